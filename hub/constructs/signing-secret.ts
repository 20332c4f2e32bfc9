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
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `Shared HMAC secret of ${props.usedBy}: every sender holds a copy, so a rotation Lambda would break them; it is rotated by hand together with the senders.`,
    });
  }
}
