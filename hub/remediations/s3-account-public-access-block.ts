/** Turns on all four S3 Block Public Access settings for the whole account (S3 Control). */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { BLOCK_ALL, blocksAll, type PublicAccessBlockState } from './s3-bucket-public-access-block.ts';
import { readOr } from './support.ts';

export const s3AccountPublicAccessBlock = defineRemediation<Record<string, never>, PublicAccessBlockState>({
  id: 's3-account-public-access-block',
  title: 'S3 account: block public access',
  description: 'Enables all four account-level Block Public Access settings through S3 Control.',
  findings: {
    securityHubControls: ['S3.1'],
    configRules: ['s3-account-level-public-access-blocks'],
    cloudTrail: {
      eventSource: 's3.amazonaws.com',
      eventNames: ['DeleteAccountPublicAccessBlock', 'PutAccountPublicAccessBlock'],
    },
  },
  permissions: [
    // Account-level Block Public Access takes no resource-level permission.
    { calls: ['s3-control:GetPublicAccessBlock'], resources: ['*'] },
    { purpose: 'fix', calls: ['s3-control:PutPublicAccessBlock'], resources: ['*'] },
    // Undo puts the old configuration back, or deletes it (authorized by the same Put action).
    {
      purpose: 'undo',
      calls: ['s3-control:PutPublicAccessBlock', 's3-control:DeletePublicAccessBlock'],
      resources: ['*'],
    },
  ],
  target: () => ({}),
  async readState(call, { account }) {
    const out = await readOr(
      () => call({ service: 's3-control', action: 'GetPublicAccessBlock', input: { AccountId: account } }),
      ['NoSuchPublicAccessBlockConfiguration'],
      {},
    );
    return { config: (out.PublicAccessBlockConfiguration as PublicAccessBlockState['config']) ?? null };
  },
  stateFromFinding: () => ({ config: null }),
  plan(state, { account }) {
    if (blocksAll(state.config)) return [];
    return [
      {
        service: 's3-control',
        action: 'PutPublicAccessBlock',
        input: { AccountId: account, PublicAccessBlockConfiguration: { ...BLOCK_ALL } },
      },
    ];
  },
  undo(before, { account }) {
    if (before.config === null) {
      return [{ service: 's3-control', action: 'DeletePublicAccessBlock', input: { AccountId: account } }];
    }
    return [
      {
        service: 's3-control',
        action: 'PutPublicAccessBlock',
        input: { AccountId: account, PublicAccessBlockConfiguration: { ...before.config } },
      },
    ];
  },
});
