/** Lambda entry of the socless_aws_request integration: the shared wrapper with production clients. */
import { createDefaultDeps } from '../../../shared/integration-runtime/deps.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { soclessAwsRequest } from './integration.ts';

export const handler = toLambdaHandler(soclessAwsRequest, createDefaultDeps());
