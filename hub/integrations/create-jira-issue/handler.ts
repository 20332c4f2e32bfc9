/** Lambda entry of the create_jira_issue integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { createJiraIssue } from './integration.ts';

export const handler = toLambdaHandler(createJiraIssue, createDefaultDeps());
