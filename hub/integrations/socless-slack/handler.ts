/** Lambda entry of the socless_slack integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { soclessSlack } from './integration.ts';

export const handler = toLambdaHandler(soclessSlack, createDefaultDeps());
