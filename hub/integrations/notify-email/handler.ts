/** Lambda entry of the notify_email integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { notifyEmail } from './integration.ts';

export const handler = toLambdaHandler(notifyEmail, createDefaultDeps());
