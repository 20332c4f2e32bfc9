/** Lambda entry of the enrich_account integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { enrichAccount } from './integration.ts';

export const handler = toLambdaHandler(enrichAccount, createDefaultDeps());
