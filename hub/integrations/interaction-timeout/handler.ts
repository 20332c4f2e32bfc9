/** Lambda entry of the interaction_timeout integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { interactionTimeout } from './integration.ts';

export const handler = toLambdaHandler(interactionTimeout, createDefaultDeps());
