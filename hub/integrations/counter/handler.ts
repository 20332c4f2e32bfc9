/** Lambda entry of the counter integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { counter } from './integration.ts';

export const handler = toLambdaHandler(counter, createDefaultDeps());
