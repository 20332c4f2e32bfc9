// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless variables are literal ${{...}} strings
/**
 * Validator messages for SOCless references: an integration the engine does not serve (with the
 * `integrations.external` entry to add), and the legacy `AwaitMessageResponseActivity` pattern (with the
 * `Interaction` state that replaces it).
 */
import { closeMatches } from '../close-matches.ts';
import type { IntegrationCatalog, ResolvedResource } from './catalog.ts';
import type { JsonObject } from './model.ts';
import { AWAIT_MESSAGE_RESPONSE_ACTIVITY, parseSoclessReference, SOCLESS_ALIASES } from './socless-aliases.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a Resource could not be resolved, and what to write instead. */
export function unknownResourceReason(
  resource: string,
  resolved: Extract<ResolvedResource, { kind: 'unknown' }>,
  known: readonly string[],
  catalog?: IntegrationCatalog,
): string {
  if (resolved.missingBuiltIn) {
    return `SOCless integration "${resolved.soclessName}" maps to the built-in integration "${resolved.missingBuiltIn.integration}" (operation ${resolved.missingBuiltIn.operation}), which this build does not include: declare your own Lambda for it in integrations.external meanwhile`;
  }
  // A likely typo: name the two or three closest integrations rather than every name in every spelling.
  const close = closeMatches(resource, known);
  if (close.length > 0) return `unknown integration "${resource}" (did you mean ${close.join(', ')}?)`;
  if (resolved.soclessName !== undefined) {
    const example = JSON.stringify({
      integrations: {
        external: {
          [resolved.soclessName]: { arn: 'arn:aws:lambda:<region>:<account>:function:<name>', interaction: false },
        },
      },
    });
    const served = SOCLESS_ALIASES.filter(
      (a) =>
        !catalog ||
        catalog.entries.some((e) => e.id === a.integration && (!e.operations || e.operations.includes(a.operation))),
    ).map((a) => a.name);
    return `unknown integration "${resource}": "${resolved.soclessName}" is not a SOCless name served here (${served.join(', ')}) nor declared in integrations.external; if it is your own Lambda, add to the configuration ${example} (native integrations: ${known.filter((k) => !k.startsWith('${{')).join(', ') || 'none'})`;
  }
  return `unknown integration "${resource}" (known: ${known.join(', ') || 'none'})`;
}

/**
 * For every state that calls SOCless's `AwaitMessageResponseActivity` (an Activity that parks the execution
 * until a human answers the message the previous Task sent), a refusal that shows the Interaction to write.
 */
export function activityHints(states: unknown): Map<string, string> {
  const hints = new Map<string, string>();
  const visit = (scope: unknown): void => {
    if (!isObject(scope)) return;
    for (const [name, def] of Object.entries(scope)) {
      if (!isObject(def)) continue;
      if (Array.isArray(def.Branches)) for (const b of def.Branches) if (isObject(b)) visit(b.States);
      const body = def.ItemProcessor ?? def.Iterator;
      if (isObject(body)) visit(body.States);
      if (typeof def.Resource !== 'string') continue;
      const ref = parseSoclessReference(def.Resource);
      if (ref?.name !== AWAIT_MESSAGE_RESPONSE_ACTIVITY) continue;
      const previous = Object.entries(scope).find(([, d]) => isObject(d) && d.Next === name);
      const after = def.End === true ? { End: true } : { Next: def.Next };
      const interaction = previous
        ? {
            [previous[0]]: {
              Type: 'Interaction',
              Resource: (previous[1] as JsonObject).Resource,
              ...(isObject((previous[1] as JsonObject).Parameters)
                ? { Parameters: (previous[1] as JsonObject).Parameters }
                : {}),
              TimeoutSeconds: typeof def.TimeoutSeconds === 'number' ? def.TimeoutSeconds : 86400,
              ...after,
            },
          }
        : {
            '<Message_State>': {
              Type: 'Interaction',
              Resource: '${{self:custom.slack.PromptForConfirmation}}',
              Parameters: { '…': 'the message parameters' },
              TimeoutSeconds: 86400,
              ...after,
            },
          };
      hints.set(
        name,
        `${AWAIT_MESSAGE_RESPONSE_ACTIVITY} (a Step Functions Activity that waits for a message response) is not supported: ` +
          `make the message state an Interaction, which sends the message and waits for the answer in one state, and remove "${name}"` +
          `${previous ? ` ("${previous[0]}" takes over its Next)` : ''}. Write: ${JSON.stringify(interaction)}`,
      );
    }
  };
  visit(states);
  return hints;
}
