/** Lambda entry of the save_to_vault integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { saveToVault } from './integration.ts';

export const handler = toLambdaHandler(saveToVault, createDefaultDeps());
