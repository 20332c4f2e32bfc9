/** Lambda entry of the set_investigation_status integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { setInvestigationStatus } from './integration.ts';

export const handler = toLambdaHandler(setInvestigationStatus, createDefaultDeps());
