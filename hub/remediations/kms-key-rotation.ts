// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on automatic rotation of a customer-managed symmetric KMS key. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { checkId, requireResourceId } from './support.ts';

const ID = 'kms-key-rotation';
const KEY = 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/${Target:keyId}';

export interface KeyRotationState {
  /** Only enabled, customer-managed, symmetric keys with KMS key material can rotate automatically. */
  readonly eligible: boolean;
  readonly rotationEnabled: boolean;
  readonly keyManager?: string;
  readonly keySpec?: string;
}

/** `arn:aws:kms:...:key/<id>` → `<id>`; a bare key id stays. */
function keyIdOf(id: string): string {
  const m = /:key\/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$/.exec(id);
  return m ? (m[1] as string) : id;
}

export const kmsKeyRotation = defineRemediation<{ keyId: string }, KeyRotationState>({
  id: ID,
  title: 'KMS key: enable rotation',
  description: 'Enables automatic yearly rotation of a customer-managed symmetric key (skips keys that cannot rotate).',
  findings: {
    securityHubControls: ['KMS.4'],
    configRules: ['cmk-backing-key-rotation-enabled'],
    cloudTrail: { eventSource: 'kms.amazonaws.com', eventNames: ['DisableKeyRotation'] },
  },
  permissions: [
    { calls: ['kms:DescribeKey', 'kms:GetKeyRotationStatus'], resources: [KEY] },
    { purpose: 'fix', calls: ['kms:EnableKeyRotation'], resources: [KEY] },
    { purpose: 'undo', calls: ['kms:DisableKeyRotation'], resources: [KEY] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsKmsKey', 'AWS::KMS::Key']);
    return { keyId: checkId(ID, field, keyIdOf(id), /^([0-9a-f-]{36}|mrk-[0-9a-f]{32})$/, 'a KMS key id or key ARN') };
  },
  async readState(call, { target }) {
    const described = await call({ service: 'kms', action: 'DescribeKey', input: { KeyId: target.keyId } });
    const meta = (described.KeyMetadata as Record<string, unknown> | undefined) ?? {};
    const keyManager = String(meta.KeyManager ?? '');
    const keySpec = String(meta.KeySpec ?? '');
    const eligible =
      keyManager === 'CUSTOMER' &&
      keySpec === 'SYMMETRIC_DEFAULT' &&
      meta.Origin === 'AWS_KMS' &&
      meta.KeyState === 'Enabled';
    if (!eligible) return { eligible, rotationEnabled: false, keyManager, keySpec };
    const status = await call({ service: 'kms', action: 'GetKeyRotationStatus', input: { KeyId: target.keyId } });
    return { eligible, rotationEnabled: status.KeyRotationEnabled === true, keyManager, keySpec };
  },
  stateFromFinding: () => ({ eligible: true, rotationEnabled: false }),
  plan: (state, { target }) =>
    state.eligible && !state.rotationEnabled
      ? [{ service: 'kms', action: 'EnableKeyRotation', input: { KeyId: target.keyId } }]
      : [],
  undo: (before, { target }) =>
    before.eligible && !before.rotationEnabled
      ? [{ service: 'kms', action: 'DisableKeyRotation', input: { KeyId: target.keyId } }]
      : [],
});
