/** Shared set-up of the remediation tests: findings, a session factory over mocked SDK clients, a guard on dynalite. */
import type { SeverityLabel } from '../../shared/config.ts';
import { createSpokeClients } from '../../shared/remediation/calls.ts';
import type { SpokeSession, SpokeSessionFactory, SpokeSessionRequest } from '../../shared/remediation/session.ts';
import type { RemediationEvent } from '../../shared/remediation/types.ts';

export const ACCOUNT = '210987654321';
export const REGION = 'eu-west-1';
export const NOW = new Date('2025-03-14T09:30:00.000Z');

/** A normalized finding about one resource. */
export function finding(
  overrides: Partial<RemediationEvent> & { resources?: RemediationEvent['resources'] } = {},
  severity: SeverityLabel = 'HIGH',
): RemediationEvent {
  return {
    id: 'evt-1',
    source: 'securityhub-asff',
    kind: 'S3.8',
    account: ACCOUNT,
    region: REGION,
    time: '2025-03-14T09:00:00Z',
    severity: { label: severity, score: severity === 'HIGH' ? 70 : severity === 'CRITICAL' ? 90 : 40 },
    title: 'finding',
    resources: [],
    dedupKey: 'k',
    status: 'active',
    ...overrides,
  };
}

/**
 * Opens sessions with real SDK clients on static credentials; aws-sdk-client-mock intercepts their sends.
 * Records what was asked for, so tests can check the account, region and remediation.
 */
export class RecordingSessionFactory implements SpokeSessionFactory {
  readonly requests: SpokeSessionRequest[] = [];
  async open(request: SpokeSessionRequest): Promise<SpokeSession> {
    this.requests.push(request);
    return {
      account: request.account,
      region: request.region,
      partition: 'aws',
      clients: createSpokeClients(request.region, { accessKeyId: 'AKIATESTTESTTEST', secretAccessKey: 'test' }),
    };
  }
}
