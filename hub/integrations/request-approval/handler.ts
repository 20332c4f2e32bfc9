/** Lambda entry of the request_approval integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { requestApproval } from './integration.ts';

export const handler = toLambdaHandler(requestApproval, createDefaultDeps());
