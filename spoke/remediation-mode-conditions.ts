import { Aws, CfnCondition, type CfnParameter, Fn, type ICfnConditionExpression, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { modeRank, REMEDIATION_MODES, type RemediationMode } from '../shared/config.ts';

/** Properties of {@link RemediationModeConditions}. */
export interface RemediationModeConditionsProps {
  /** The `RemediationMode` stack parameter (the OU-level or org default mode, set by the StackSet). */
  readonly remediationMode: CfnParameter;
  /**
   * Per-account modes (`remediation.accounts`), baked into the template: they win over the parameter in the
   * named account, including accounts that auto-deployment reaches later.
   * @default - no account overrides
   */
  readonly accountModes?: Readonly<Record<string, RemediationMode>>;
}

/** Fn::Or takes 2 to 10 conditions: fold any number of them into a valid expression. */
export function anyCondition(conditions: readonly ICfnConditionExpression[]): ICfnConditionExpression {
  const [first] = conditions;
  if (first === undefined) throw new RangeError('anyCondition needs at least one condition');
  if (conditions.length === 1) return first;
  if (conditions.length <= 10) return Fn.conditionOr(...conditions);
  const chunks: ICfnConditionExpression[] = [];
  for (let i = 0; i < conditions.length; i += 10) chunks.push(anyCondition(conditions.slice(i, i + 10)));
  return anyCondition(chunks);
}

/** The modes whose accounts may be changed in the fix direction (auto, and notify after a human approval). */
const FIX_MODES: readonly RemediationMode[] = ['notify', 'auto'];

const MODE_ID: Record<RemediationMode, string> = { off: 'Off', notify: 'Notify', 'dry-run': 'DryRun', auto: 'Auto' };

/**
 * Resolves an account's effective remediation mode inside the spoke template: the account override when the
 * deploying account has one, else the `RemediationMode` parameter. Account overrides live in the template
 * rather than in StackSet parameter overrides because `AWS::CloudFormation::StackSet` refuses an OU that is
 * associated with more than one parameter set, which an account-level override inside a target OU needs.
 */
export class RemediationModeConditions extends Construct {
  /** True when the effective mode is not `off`: the remediation and undo roles and their policies exist only then. */
  readonly roleEnabled: CfnCondition;
  /** The expression of {@link fixEnabled}, made into a condition on first use (an unused one fails validation). */
  private readonly fixExpression: ICfnConditionExpression;
  private fixCondition?: CfnCondition;
  /**
   * The effective mode as a template string, for the role's `socless:remediation-mode` tag; meaningful only
   * where {@link roleEnabled} holds (accounts overridden to `off` fall through to the parameter).
   */
  readonly effectiveMode: string;

  constructor(scope: Construct, id: string, props: RemediationModeConditionsProps) {
    super(scope, id);
    const parameter = props.remediationMode.valueAsString;
    const parameterNotOff = Fn.conditionNot(Fn.conditionEquals(parameter, 'off'));
    const parameterFixes = anyCondition(FIX_MODES.map((m) => Fn.conditionEquals(parameter, m)));
    const byMode = groupAccountsByMode(props.accountModes ?? {});
    if (byMode.size === 0) {
      this.roleEnabled = new CfnCondition(this, 'RoleEnabled', { expression: parameterNotOff });
      this.fixExpression = parameterFixes;
      this.effectiveMode = parameter;
      return;
    }

    const modeConditions = new Map<RemediationMode, CfnCondition>();
    for (const [mode, accounts] of byMode) {
      modeConditions.set(
        mode,
        new CfnCondition(this, `Account${MODE_ID[mode]}`, {
          expression: anyCondition(accounts.map((account) => Fn.conditionEquals(Aws.ACCOUNT_ID, account))),
        }),
      );
    }
    const perMode = [...modeConditions.values()];
    // A condition must be an intrinsic function, not a bare reference: reuse the only per-mode condition.
    const overridden =
      perMode.length === 1 && perMode[0]
        ? perMode[0]
        : new CfnCondition(this, 'AccountOverridden', { expression: anyCondition(perMode) });
    const optedIn = [...modeConditions].filter(([mode]) => mode !== 'off').map(([, condition]) => condition);
    const parameterApplies = Fn.conditionAnd(Fn.conditionNot(overridden), parameterNotOff);
    this.roleEnabled = new CfnCondition(this, 'RoleEnabled', {
      expression: optedIn.length > 0 ? anyCondition([...optedIn, parameterApplies]) : parameterApplies,
    });
    const fixing = [...modeConditions].filter(([m]) => FIX_MODES.includes(m)).map(([, condition]) => condition);
    const parameterFixApplies = Fn.conditionAnd(Fn.conditionNot(overridden), parameterFixes);
    this.fixExpression = fixing.length > 0 ? anyCondition([...fixing, parameterFixApplies]) : parameterFixApplies;
    let mode: string = parameter;
    // Accounts overridden to off have no role, hence no tag: only opted-in modes need a branch.
    for (const [accountMode, condition] of [...modeConditions].filter(([m]) => m !== 'off').reverse()) {
      mode = Token.asString(Fn.conditionIf(condition.logicalId, accountMode, mode));
    }
    this.effectiveMode = mode;
  }

  /**
   * True when the effective mode is `notify` or `auto`: the remediation role's fix policy is attached only then
   * (`notify` for the approved runs of request_approval). In `dry-run` the role reads and nothing else.
   */
  get fixEnabled(): CfnCondition {
    this.fixCondition ??= new CfnCondition(this, 'FixEnabled', { expression: this.fixExpression });
    return this.fixCondition;
  }
}

/** Account ids grouped by mode, modes in rank order, ids sorted: the template is stable across runs. */
function groupAccountsByMode(accountModes: Readonly<Record<string, RemediationMode>>): Map<RemediationMode, string[]> {
  const byMode = new Map<RemediationMode, string[]>();
  const modes = [...REMEDIATION_MODES].sort((a, b) => modeRank(a) - modeRank(b));
  for (const mode of modes) {
    const accounts = Object.entries(accountModes)
      .filter(([, m]) => m === mode)
      .map(([account]) => account)
      .sort();
    if (accounts.length > 0) byMode.set(mode, accounts);
  }
  return byMode;
}
