/** Lambda entry of the socless_core integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { soclessCore } from './integration.ts';

export const handler = toLambdaHandler(soclessCore, createDefaultDeps());
