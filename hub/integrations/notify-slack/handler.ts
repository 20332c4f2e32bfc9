/** Lambda entry of the notify_slack integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { notifySlack } from './integration.ts';

export const handler = toLambdaHandler(notifySlack, createDefaultDeps());
