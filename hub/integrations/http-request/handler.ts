/** Lambda entry of the http_request integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { httpRequest } from './integration.ts';

export const handler = toLambdaHandler(httpRequest, createDefaultDeps());
