/**
 * comment_jira_issue: adds a comment (ADF) to a Jira issue, by default the investigation's own issue (the
 * `jira-issue:<investigation id>` mapping create_jira_issue writes). A rerun of the same state in the same
 * execution with the same text (a Lambda retry) does not comment twice: the comment is recorded under a
 * custom_mappings key made of the execution, the state, the issue and a hash of the text.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import {
  jiraClientFor,
  jiraIssueMappingKey,
  jiraSettings,
  parseJiraIssueMapping,
} from '../../../shared/integrations/jira.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';
import type { JiraIntegrationOptions } from '../create-jira-issue/integration.ts';

const ID = 'comment_jira_issue';

export const CommentJiraIssueParameters = z.object({
  /** @default the investigation's issue (created by create_jira_issue) */
  issue_key: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,9}-[1-9]\d*$/, 'must be a Jira issue key such as SEC-123')
    .optional(),
  /** Plain text; blank lines separate paragraphs. */
  body: z.string().trim().min(1, 'must not be empty').max(30_000, 'must be at most 30000 characters'),
});

/** The custom_mappings key recording one comment of one state run. */
export function commentMappingKey(executionId: string, state: string, issueKey: string, body: string): string {
  const digest = createHash('sha256').update(`${issueKey}\n${body}`).digest('hex').slice(0, 32);
  return `jira-comment:${executionId}:${state}:${digest}`;
}

/** Builds the integration; tests inject the retry sleep. */
export function createCommentJiraIssueIntegration(options: JiraIntegrationOptions = {}) {
  return defineIntegration({
    id: ID,
    references: ['socless.CommentJiraIssue', 'socless.comment_jira_issue', 'socless.AddJiraComment'],
    description: "Adds a comment to a Jira issue (by default the investigation's issue).",
    parameters: CommentJiraIssueParameters,
    deployment: { tables: [{ table: 'custom_mappings', access: 'rw' }], timeoutSeconds: 60 },
    async run(params, ctx) {
      const mappings = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
      let key = params.issue_key;
      if (!key) {
        const mapped = parseJiraIssueMapping((await mappings.get(jiraIssueMappingKey(ctx.investigationId)))?.value);
        if (!mapped) {
          throw new IntegrationParameterError({
            state: ctx.state,
            integration: ID,
            parameter: 'issue_key',
            reason: `is not given and investigation ${ctx.investigationId} has no Jira issue yet (run create_jira_issue first)`,
          });
        }
        key = mapped.key;
      }
      const doneKey = commentMappingKey(ctx.executionId, ctx.state, key, params.body);
      const done = (await mappings.get(doneKey))?.value as { comment_id?: unknown } | undefined;
      if (typeof done?.comment_id === 'string') return { key, comment_id: done.comment_id, duplicate: true };

      const jira = await jiraClientFor(jiraSettings(ID, ctx.deps.env), ctx.deps.secrets, options);
      const comment = await jira.addComment(key, params.body);
      await mappings.put(doneKey, { issue: key, comment_id: comment.id }, ctx.now().toISOString());
      return { key, comment_id: comment.id, duplicate: false };
    },
  });
}

export const commentJiraIssue = createCommentJiraIssueIntegration();
