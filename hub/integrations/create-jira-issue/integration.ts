/**
 * create_jira_issue: one Jira issue per investigation. Idempotent: the custom_mappings key
 * `jira-issue:<investigation id>` is read first; without it Jira is searched for the investigation's label
 * `socless-<investigation id>` (which heals a crash between creating the issue and writing the mapping);
 * only then is an issue created, carrying that label, and the mapping written.
 * Two executions of one investigation racing each other can still both create: investigations run one
 * playbook at a time, so this is not guarded further. Jira's search index lags creation by a few seconds, so
 * a retry within that window may not find an issue just created.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import type { Sleep } from '../../../shared/integrations/http.ts';
import {
  investigationLabel,
  type JiraIssueMapping,
  jiraClientFor,
  jiraIssueMappingKey,
  jiraSettings,
  parseJiraIssueMapping,
} from '../../../shared/integrations/jira.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';

const ID = 'create_jira_issue';

export const CreateJiraIssueParameters = z.object({
  /** Jira limits a summary to 255 characters and one line. */
  summary: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters (a Jira limit)')
    .regex(/^[^\r\n]*$/, 'must be one line'),
  /** Plain text; blank lines separate paragraphs. */
  description: z.string().max(30_000, 'must be at most 30000 characters').default(''),
  /** Priority name as the Jira site defines it, e.g. `High`. */
  priority: z.string().trim().min(1).max(255).optional(),
  labels: z
    .array(z.string().regex(/^\S{1,255}$/, 'must be a Jira label: no spaces, 1 to 255 characters'))
    .max(50)
    .default([]),
  /** @default the configured jira.projectKey */
  project: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'must be a Jira project key such as SEC')
    .optional(),
  /** @default the configured jira.issueType */
  issue_type: z.string().trim().min(1).max(255).optional(),
});

/** Options of {@link createCreateJiraIssueIntegration}. */
export interface JiraIntegrationOptions {
  /** Waits between retries after a 429; tests pass one that records instead of waiting. @default real timers */
  readonly sleep?: Sleep;
}

/** Builds the integration; tests inject the retry sleep. */
export function createCreateJiraIssueIntegration(options: JiraIntegrationOptions = {}) {
  return defineIntegration({
    id: ID,
    references: ['socless.CreateJiraIssue', 'socless.create_jira_issue'],
    description: 'Opens the Jira issue of an investigation, once (mapping, then label search, then create).',
    parameters: CreateJiraIssueParameters,
    deployment: { tables: [{ table: 'custom_mappings', access: 'rw' }], timeoutSeconds: 60 },
    async run(params, ctx) {
      const mappings = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
      const mappingKey = jiraIssueMappingKey(ctx.investigationId);
      const known = parseJiraIssueMapping((await mappings.get(mappingKey))?.value);
      if (known) return { key: known.key, id: known.id, url: known.url, created: false };

      const settings = jiraSettings(ID, ctx.deps.env);
      const jira = await jiraClientFor(settings, ctx.deps.secrets, options);
      const project = params.project ?? settings.projectKey;
      const label = investigationLabel(ctx.investigationId);
      const [found] = await jira.searchByLabel(label, { maxResults: 1 });
      if (found) {
        ctx.logger.info('jira issue found by label; mapping restored', { key: found.key, label });
        await mappings.put(mappingKey, { ...found, project } satisfies JiraIssueMapping, ctx.now().toISOString());
        return { key: found.key, id: found.id, url: found.url, created: false };
      }
      const issue = await jira.createIssue({
        projectKey: project,
        issueType: params.issue_type ?? settings.issueType,
        summary: params.summary,
        description: params.description,
        ...(params.priority ? { priority: params.priority } : {}),
        labels: [...new Set([...params.labels, label])],
      });
      await mappings.put(mappingKey, { ...issue, project } satisfies JiraIssueMapping, ctx.now().toISOString());
      ctx.logger.info('jira issue created', { key: issue.key, project });
      return { key: issue.key, id: issue.id, url: issue.url, created: true };
    },
  });
}

export const createJiraIssue = createCreateJiraIssueIntegration();
