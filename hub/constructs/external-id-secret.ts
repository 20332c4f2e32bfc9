import { CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Properties of {@link ExternalIdSecret}. */
export interface ExternalIdSecretProps {
  readonly key: IKey;
  /** `config.externalIdSecretName`: the CLI finds the secret by this name. */
  readonly secretName: string;
}

/**
 * The sts:ExternalId spoke roles require, generated once (48 random alphanumerics) and kept in Secrets
 * Manager: the remediate Lambda and the CLI read it at run time, and the org rollout takes it as a NoEcho
 * parameter, so the value appears in no template, Lambda environment or configuration file.
 */
export class ExternalIdSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: ExternalIdSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'SOCless: the sts:ExternalId the spoke remediation and undo roles require (org rollout parameter)',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Every spoke role trusts this exact value: rotating it means re-running the org rollout with the new value, so it is rotated by hand (README: Rotate the external id), not by a rotation Lambda.',
    });
    new CfnOutput(scope, 'ExternalIdSecretName', {
      value: props.secretName,
      description: 'Secrets Manager secret with the spoke ExternalId: pass its value to the org rollout stack',
    });
  }
}
