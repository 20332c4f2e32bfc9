/** Lambda entry of the remediate integration: the shared wrapper with production clients and STS sessions. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { remediate } from './integration.ts';

export const handler = toLambdaHandler(remediate, createDefaultDeps());
