// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Blocks public sharing of SSM documents in the account and region (Security Hub SSM.7). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at } from './support.ts';

const ID = 'ssm-block-public-sharing';
/** The service setting that allows (`Enable`) or blocks (`Disable`) sharing documents publicly. */
export const PUBLIC_SHARING_SETTING = '/ssm/documents/console/public-sharing-permission';
const SETTING = `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:servicesetting${PUBLIC_SHARING_SETTING}`;

export const ssmBlockPublicSharing = defineRemediation<Record<string, never>, { sharing: string }>({
  id: ID,
  title: 'SSM documents: block public sharing',
  description: `Sets the service setting ${PUBLIC_SHARING_SETTING} to Disable: documents of the account can no longer be shared publicly.`,
  findings: { securityHubControls: ['SSM.7'] },
  permissions: [
    { calls: ['ssm:GetServiceSetting'], resources: [SETTING] },
    // Disable (fix) and Enable (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['ssm:UpdateServiceSetting'], resources: [SETTING] },
    { purpose: 'undo', calls: ['ssm:UpdateServiceSetting'], resources: [SETTING] },
  ],
  target: () => ({}),
  async readState(call) {
    const out = await call({
      service: 'ssm',
      action: 'GetServiceSetting',
      input: { SettingId: PUBLIC_SHARING_SETTING },
    });
    return { sharing: String(at(out, 'ServiceSetting', 'SettingValue') ?? 'Enable') };
  },
  stateFromFinding: () => ({ sharing: 'Enable' }),
  plan: (state) =>
    state.sharing === 'Disable'
      ? []
      : [
          {
            service: 'ssm',
            action: 'UpdateServiceSetting',
            input: { SettingId: PUBLIC_SHARING_SETTING, SettingValue: 'Disable' },
          },
        ],
  undo: (before) =>
    before.sharing === 'Disable'
      ? []
      : [
          {
            service: 'ssm',
            action: 'UpdateServiceSetting',
            input: { SettingId: PUBLIC_SHARING_SETTING, SettingValue: before.sharing },
          },
        ],
});
