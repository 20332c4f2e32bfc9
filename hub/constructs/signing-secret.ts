import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Properties of {@link SigningSecret}. */
export interface SigningSecretProps {
  /** Key that encrypts the secret. */
  readonly key: IKey;
  /** Who signs with this secret, for the console and the cdk-nag reason. */
  readonly usedBy: string;
  /**
   * The secret's name (senders and operators find it by name, e.g. `socless/webhook/<sender>`).
   * @default a name CloudFormation generates
   */
  readonly secretName?: string;
}

/**
 * A generated HMAC-SHA256 secret for `x-socless-signature` request signing (64 random alphanumerics, about
 * 380 bits). The hub API has no IAM or Cognito authorizer: the Lambdas verify these signatures instead.
 */
export class SigningSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: SigningSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: `SOCless HMAC signing secret: ${props.usedBy}`,
      ...(props.secretName ? { secretName: props.secretName } : {}),
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `HMAC secret of ${props.usedBy}: the sender holds a copy, so a rotation Lambda would break it; it is rotated by hand together with the sender.`,
    });
  }
}
