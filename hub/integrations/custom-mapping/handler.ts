/** Lambda entry of the custom_mapping integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { customMapping } from './integration.ts';

export const handler = toLambdaHandler(customMapping, createDefaultDeps());
