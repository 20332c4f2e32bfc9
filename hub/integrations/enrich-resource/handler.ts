/** Lambda entry of the enrich_resource integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { enrichResource } from './integration.ts';

export const handler = toLambdaHandler(enrichResource, createDefaultDeps());
