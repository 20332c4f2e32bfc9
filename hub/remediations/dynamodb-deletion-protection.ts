// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on deletion protection of a DynamoDB table (Security Hub DynamoDB.6). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { arnName, at, checkId, requireResourceId } from './support.ts';

const ID = 'dynamodb-deletion-protection';
const TABLE = 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Target:tableName}';

export const dynamoDbDeletionProtection = defineRemediation<{ tableName: string }, { deletionProtection: boolean }>({
  id: ID,
  title: 'DynamoDB table: deletion protection on',
  description: 'Sets DeletionProtectionEnabled on the table, so DeleteTable fails until it is turned off.',
  findings: {
    securityHubControls: ['DynamoDB.6'],
    configRules: ['dynamodb-table-deletion-protection-enabled'],
  },
  permissions: [
    { calls: ['dynamodb:DescribeTable'], resources: [TABLE] },
    // UpdateTable changes other table settings too: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['dynamodb:UpdateTable'], resources: [TABLE] },
    { purpose: 'undo', calls: ['dynamodb:UpdateTable'], resources: [TABLE] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsDynamoDbTable', 'AWS::DynamoDB::Table']);
    return {
      tableName: checkId(ID, field, arnName(id, ':table/'), /^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name'),
    };
  },
  async readState(call, { target }) {
    const out = await call({ service: 'dynamodb', action: 'DescribeTable', input: { TableName: target.tableName } });
    return { deletionProtection: at(out, 'Table', 'DeletionProtectionEnabled') === true };
  },
  stateFromFinding: () => ({ deletionProtection: false }),
  plan: (state, { target }) =>
    state.deletionProtection
      ? []
      : [
          {
            service: 'dynamodb',
            action: 'UpdateTable',
            input: { TableName: target.tableName, DeletionProtectionEnabled: true },
          },
        ],
  undo: (before, { target }) =>
    before.deletionProtection
      ? []
      : [
          {
            service: 'dynamodb',
            action: 'UpdateTable',
            input: { TableName: target.tableName, DeletionProtectionEnabled: false },
          },
        ],
});
