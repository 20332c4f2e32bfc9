/**
 * How far a remediation run went. `not-applicable`: the remediation cannot act on what the finding names (wrong
 * kind of credential, resource gone, not in scope), with the reason; `compliant`: the resource already complies.
 * Both are outcomes of a successful run, not failures. A module of its own so the metrics catalog (in the endpoint's
 * bundle) can name them without pulling the remediation kit in.
 */
export const EFFECTIVE_ACTIONS = [
  'ignored',
  'notified',
  'planned',
  'applied',
  'guarded',
  'not-applicable',
  'compliant',
] as const;
export type EffectiveAction = (typeof EFFECTIVE_ACTIONS)[number];
