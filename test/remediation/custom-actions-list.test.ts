import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { remediationListEntries, remediationListText } from '../../scripts/commands/remediation.ts';

const none = { autoAllowed: [], autoAllowedByOu: {}, autoAllowedByAccount: {} };

describe('socless remediation list: whether config lets each entry run automatically', () => {
  const never = REMEDIATIONS.find((r) => r.neverAuto === true);
  const always = REMEDIATIONS.find((r) => r.neverAuto !== true);
  if (!never || !always) throw new Error('the registry has both never-automatic and automatic remediations');

  it('says yes for an ordinary remediation and no for a never-automatic one config names nowhere', () => {
    const rows = remediationListEntries(none);
    expect(rows).toHaveLength(REMEDIATIONS.length);
    expect(rows.find((r) => r.id === always.id)?.automatic).toEqual({ inAutoAccounts: 'yes', ous: [], accounts: [] });
    expect(rows.find((r) => r.id === never.id)?.automatic).toEqual({ inAutoAccounts: 'no', ous: [], accounts: [] });
  });

  it('names the OUs and accounts where config makes a never-automatic remediation automatic, or everywhere', () => {
    const some = {
      autoAllowed: [],
      autoAllowedByOu: { 'ou-ab12-cdef3456': [never.id] },
      autoAllowedByAccount: { '210987654321': [never.id], '123456789012': [always.id] },
    };
    expect(remediationListEntries(some).find((r) => r.id === never.id)?.automatic).toEqual({
      inAutoAccounts: 'where-config-names-it',
      ous: ['ou-ab12-cdef3456'],
      accounts: ['210987654321'],
    });
    expect(remediationListText(REMEDIATIONS, some)).toContain(
      'automatic: in auto accounts of OU ou-ab12-cdef3456, account 210987654321 (config)',
    );
    const everywhere = { ...none, autoAllowed: [never.id] };
    expect(remediationListEntries(everywhere).find((r) => r.id === never.id)?.automatic).toMatchObject({
      inAutoAccounts: 'yes',
    });
  });
});
