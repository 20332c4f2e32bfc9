import { describe, expect, it } from 'vitest';
import {
  type RemediationStatement,
  RemediationStatementError,
  validateRemediationStatements,
} from '../../spoke/remediation-statements.ts';
import { STATEMENTS } from './fixtures.ts';

function errorOf(statements: RemediationStatement[]): RemediationStatementError {
  try {
    validateRemediationStatements(statements);
  } catch (err) {
    expect(err).toBeInstanceOf(RemediationStatementError);
    return err as RemediationStatementError;
  }
  throw new Error('expected a RemediationStatementError');
}

describe('validateRemediationStatements', () => {
  it('accepts exact actions, resource wildcards and pseudo-parameter placeholders', () => {
    expect(() => validateRemediationStatements(STATEMENTS)).not.toThrow();
    expect(() => validateRemediationStatements([])).not.toThrow();
  });

  it.each([['*'], ['s3:*'], ['s3:Get*'], ['ec2:Describe?ecurityGroups']])(
    'refuses the wildcard action %s',
    (action) => {
      const error = errorOf([{ sid: 'Broad', actions: ['s3:GetObject', action], resources: ['*'] }]);
      expect(error.sid).toBe('Broad');
      expect(error.message).toContain(`remediationStatements[0] (sid "Broad"): action "${action}" is a wildcard`);
    },
  );

  it('names the offending statement by index and sid', () => {
    const error = errorOf([...STATEMENTS, { sid: 'Fourth', actions: ['notanaction'], resources: ['*'] }]);
    expect(error.index).toBe(3);
    expect(error.message).toMatch(
      /remediationStatements\[3\] \(sid "Fourth"\): action "notanaction" is not of the form/,
    );
  });

  it('refuses a repeated or malformed sid, an empty action list and an empty resource list', () => {
    const first = STATEMENTS[0] as RemediationStatement;
    expect(errorOf([first, first]).message).toMatch(/sid is used by an earlier statement/);
    expect(errorOf([{ ...first, sid: 'has-dash' }]).message).toMatch(/letters and digits only/);
    expect(errorOf([{ ...first, actions: [] }]).message).toMatch(/lists no actions/);
    expect(errorOf([{ ...first, resources: [] }]).message).toMatch(/lists no resources/);
  });

  it('refuses a placeholder CloudFormation would not substitute in every account', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    const error = errorOf([{ sid: 'Bucket', actions: ['s3:PutBucketAcl'], resources: ['arn:aws:s3:::${BucketName}'] }]);
    expect(error.message).toMatch(/references \$\{BucketName\}/);
  });
});
