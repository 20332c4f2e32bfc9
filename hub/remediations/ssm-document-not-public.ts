// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Stops sharing an SSM document publicly (Security Hub SSM.4). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { arnName, checkId, requireResourceId } from './support.ts';

const ID = 'ssm-document-not-public';
const DOCUMENT = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:document/${Target:documentName}';

/** The account ids the document is shared with (`all` when public), as DescribeDocumentPermission lists them. */
export interface DocumentShareState {
  readonly accountIds: readonly string[];
}

const isPublic = (state: DocumentShareState) => state.accountIds.some((a) => a.toLowerCase() === 'all');

export const ssmDocumentNotPublic = defineRemediation<{ documentName: string }, DocumentShareState>({
  id: ID,
  title: 'SSM document: not shared publicly',
  description:
    'Removes "All" from the share permission of the document; shares with named accounts stay. Undo shares it publicly again.',
  findings: { securityHubControls: ['SSM.4'], configRules: ['ssm-document-not-public'] },
  permissions: [
    { calls: ['ssm:DescribeDocumentPermission'], resources: [DOCUMENT] },
    // AccountIdsToRemove (fix) and AccountIdsToAdd (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['ssm:ModifyDocumentPermission'], resources: [DOCUMENT] },
    { purpose: 'undo', calls: ['ssm:ModifyDocumentPermission'], resources: [DOCUMENT] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsSsmDocument', 'AWS::SSM::Document']);
    return {
      documentName: checkId(ID, field, arnName(id, ':document/'), /^[A-Za-z0-9_.-]{3,128}$/, 'an SSM document name'),
    };
  },
  async readState(call, { target }) {
    const out = await call({
      service: 'ssm',
      action: 'DescribeDocumentPermission',
      input: { Name: target.documentName, PermissionType: 'Share' },
    });
    return { accountIds: ((out.AccountIds as string[] | undefined) ?? []).slice().sort() };
  },
  stateFromFinding: () => ({ accountIds: ['all'] }),
  plan: (state, { target }) =>
    isPublic(state)
      ? [
          {
            service: 'ssm',
            action: 'ModifyDocumentPermission',
            input: { Name: target.documentName, PermissionType: 'Share', AccountIdsToRemove: ['All'] },
          },
        ]
      : [],
  undo: (before, { target }) =>
    isPublic(before)
      ? [
          {
            service: 'ssm',
            action: 'ModifyDocumentPermission',
            input: { Name: target.documentName, PermissionType: 'Share', AccountIdsToAdd: ['All'] },
          },
        ]
      : [],
});
