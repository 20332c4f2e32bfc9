import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DEFAULT_KILL_SWITCH_PARAMETER, KILL_SWITCH_PARAMETER_ENV } from '../../shared/remediation/guard.ts';
import type { SoclessFunction } from './socless-function.ts';

/** Properties of {@link KillSwitchParameter}. */
export interface KillSwitchParameterProps {
  /** @default DEFAULT_KILL_SWITCH_PARAMETER (`/socless/remediation/kill-switch`) */
  readonly parameterName?: string;
}

/**
 * The remediation kill switch: an SSM String parameter in the hub account and region, created `off`. Set it
 * to `on` to hold every automatic remediation to a dry-run at once. A missing or unreadable parameter, or any
 * other value, counts as on (fail safe) and raises the kill-switch alarm.
 *
 * CloudFormation cannot create a SecureString; an operator may replace it with one (the remediate Lambda reads
 * with decryption). Its KMS key must then be the hub key, which every hub Lambda may already decrypt with, or
 * the account's `aws/ssm` key, whose key policy allows decryption through SSM to principals of the account.
 */
export class KillSwitchParameter extends Construct {
  readonly parameter: StringParameter;
  readonly parameterName: string;
  /** `arn:<partition>:ssm:<hub region>:<hub account>:parameter/<name>`: the only resource readers get. */
  readonly parameterArn: string;

  constructor(scope: Construct, id: string, props: KillSwitchParameterProps = {}) {
    super(scope, id);
    this.parameterName = props.parameterName ?? DEFAULT_KILL_SWITCH_PARAMETER;
    this.parameter = new StringParameter(this, 'Parameter', {
      parameterName: this.parameterName,
      stringValue: 'off',
      tier: ParameterTier.STANDARD,
      description:
        'SOCless remediation kill switch: "on" holds every automatic remediation to a dry-run; only "off" lets them apply (missing or unreadable counts as on).',
    });
    this.parameterArn = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: this.parameterName.replace(/^\//, ''),
    });
  }

  /** Lets a function read exactly this parameter (ssm:GetParameter) and names it in the function's environment. */
  grantRead(fn: SoclessFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.parameterArn] }));
    fn.function.addEnvironment(KILL_SWITCH_PARAMETER_ENV, this.parameterName);
  }
}
