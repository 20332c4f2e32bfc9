import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileEventPattern } from '../../shared/event-pattern/index.ts';
import { normalizeEvent, type SecurityEvent, SecurityEventSchema } from '../../shared/events/index.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

function normalizeOk(raw: unknown): SecurityEvent[] {
  const result = normalizeEvent(raw);
  if (!result.ok) throw new Error(`expected events, got rejection: ${result.reason}`);
  for (const event of result.events) expect(SecurityEventSchema.safeParse(event).success).toBe(true);
  return result.events;
}

function only(raw: unknown): SecurityEvent {
  const events = normalizeOk(raw);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('normalizeEvent: Security Hub ASFF', () => {
  it('maps a failed control finding with its control id, severity and resource', () => {
    const raw = fixture('securityhub-asff-finding.json');
    const event = only(raw);
    expect(event).toMatchObject({
      id: '8e5622f9-d81c-4d81-612a-9319e7ee2506',
      source: 'securityhub-asff',
      kind: 'EC2.19',
      account: '123456789012',
      region: 'us-east-1',
      time: '2024-05-03T10:15:05.000Z',
      severity: { label: 'CRITICAL', score: 90 },
      status: 'active',
      findingUpdatedAt: '2024-05-03T10:15:02.000Z',
      dedupKey:
        'securityhub:arn:aws:securityhub:us-east-1::product/aws/securityhub:arn:aws:securityhub:us-east-1:123456789012:security-control/EC2.19/finding/6d7c0f1e-8e2b-4f3a-9c1d-0a1b2c3d4e5f',
    });
    expect(event.resources).toEqual([
      expect.objectContaining({
        type: 'AwsEc2SecurityGroup',
        id: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890',
        arn: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890',
        account: '123456789012',
        region: 'us-east-1',
      }),
    ]);
    expect(event.raw).toBe(raw);
  });

  it('keeps archived findings, marked archived', () => {
    const event = only(fixture('securityhub-asff-archived.json'));
    expect(event.status).toBe('archived');
    expect(event.severity).toEqual({ label: 'INFORMATIONAL', score: 0 });
  });

  it('marks suppressed and resolved workflow states', () => {
    const raw = fixture('securityhub-asff-finding.json') as { detail: { findings: Array<Record<string, unknown>> } };
    raw.detail.findings[0]!.Workflow = { Status: 'SUPPRESSED' };
    expect(only(raw).status).toBe('suppressed');
    raw.detail.findings[0]!.Workflow = { Status: 'RESOLVED' };
    expect(only(raw).status).toBe('resolved');
  });

  it('splits a multi-finding event into one event per finding with its own dedup key', () => {
    const events = normalizeOk(fixture('securityhub-asff-multi.json'));
    expect(events.map((e) => e.id)).toEqual([
      '4f6b2c1d-9a8e-4b7c-a6d5-e4f3a2b1c0d9#0',
      '4f6b2c1d-9a8e-4b7c-a6d5-e4f3a2b1c0d9#1',
    ]);
    expect(new Set(events.map((e) => e.dedupKey)).size).toBe(2);
    expect(events[1]).toMatchObject({
      kind: 'TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce',
      account: '210987654321',
      severity: { label: 'LOW', score: 20 },
      status: 'suppressed',
    });
    // Each raw is a valid single-finding event, so a playbook sees exactly its finding.
    const raw1 = events[1]!.raw as { detail: { findings: Array<{ Id: string }> } };
    expect(raw1.detail.findings).toHaveLength(1);
    expect(raw1.detail.findings[0]!.Id).toContain('guardduty');
  });

  it('derives the label from Normalized when Label is absent', () => {
    const raw = fixture('securityhub-asff-finding.json') as { detail: { findings: Array<Record<string, unknown>> } };
    raw.detail.findings[0]!.Severity = { Normalized: 75 };
    expect(only(raw).severity).toEqual({ label: 'HIGH', score: 75 });
  });
});

describe('normalizeEvent: Security Hub OCSF', () => {
  it('maps a V2 OCSF compliance finding', () => {
    const event = only(fixture('securityhub-ocsf-finding.json'));
    expect(event).toMatchObject({
      source: 'securityhub-ocsf',
      kind: 'S3.8',
      account: '123456789012',
      region: 'us-east-1',
      severity: { label: 'HIGH', score: 70 },
      title: 'S3 general purpose buckets should block public access',
      status: 'active',
      findingUpdatedAt: '2025-06-17T15:20:00.000Z',
      dedupKey:
        'securityhub-ocsf:123456789012:arn:aws:securityhub:us-east-1::productv2/aws/securityhub:arn:aws:securityhub:us-east-1:123456789012:security-control/S3.8/finding/1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9',
    });
    expect(event.resources[0]).toMatchObject({
      type: 'AWS::S3::Bucket',
      arn: 'arn:aws:s3:::example-reports-bucket',
      account: '123456789012',
    });
  });

  it('maps OCSF status and severity ids', () => {
    const raw = fixture('securityhub-ocsf-finding.json') as { detail: { findings: Array<Record<string, unknown>> } };
    raw.detail.findings[0]!.status_id = 3;
    raw.detail.findings[0]!.severity_id = 6;
    const event = only(raw);
    expect(event.status).toBe('suppressed');
    expect(event.severity).toEqual({ label: 'CRITICAL', score: 100 });
  });
});

describe('normalizeEvent: GuardDuty', () => {
  it('maps an SSH brute force finding', () => {
    const event = only(fixture('guardduty-ssh-bruteforce.json'));
    expect(event).toMatchObject({
      source: 'guardduty',
      kind: 'UnauthorizedAccess:EC2/SSHBruteForce',
      account: '210987654321',
      region: 'us-east-1',
      severity: { label: 'LOW', score: 20 },
      status: 'active',
      count: 7,
      findingUpdatedAt: '2024-05-03T10:00:01.002Z',
      dedupKey: 'guardduty:210987654321:us-east-1:a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1',
    });
    expect(event.resources).toEqual([
      {
        type: 'AwsEc2Instance',
        id: 'i-0abc1234def567890',
        arn: 'arn:aws:ec2:us-east-1:210987654321:instance/i-0abc1234def567890',
        account: '210987654321',
        region: 'us-east-1',
        // What containment reads without a live call: interfaces with groups and VPC, tags, the instance's role.
        details: {
          networkInterfaces: [
            {
              networkInterfaceId: 'eni-0123456789abcdef0',
              vpcId: 'vpc-0123456789abcdef0',
              securityGroups: [{ groupId: 'sg-0a1b2c3d4e5f67890' }],
            },
          ],
          tags: [{ key: 'Name', value: 'bastion' }],
          resourceRole: 'TARGET',
        },
      },
    ]);
  });

  it('keeps the dedup key when an update raises service.count', () => {
    const first = only(fixture('guardduty-ssh-bruteforce.json'));
    const update = only(fixture('guardduty-ssh-bruteforce-updated.json'));
    expect(update.dedupKey).toBe(first.dedupKey);
    expect(update.id).not.toBe(first.id);
    expect(update.count).toBe(42);
    expect(update.severity).toEqual({ label: 'MEDIUM', score: 50 });
  });

  it.each([
    [0.5, 'INFORMATIONAL', 5],
    [1, 'LOW', 10],
    [3.9, 'LOW', 39],
    [4, 'MEDIUM', 40],
    [6.9, 'MEDIUM', 69],
    [7, 'HIGH', 70],
    [8.9, 'HIGH', 89],
    [9, 'CRITICAL', 90],
    [10, 'CRITICAL', 100],
  ])('maps severity %s to %s (score %s)', (severity, label, score) => {
    const raw = fixture('guardduty-ssh-bruteforce.json') as { detail: Record<string, unknown> };
    raw.detail.severity = severity;
    expect(only(raw).severity).toEqual({ label, score });
  });

  it('marks archived findings', () => {
    const raw = fixture('guardduty-ssh-bruteforce.json') as { detail: { service: Record<string, unknown> } };
    raw.detail.service.archived = true;
    expect(only(raw).status).toBe('archived');
  });
});

describe('normalizeEvent: Config rules', () => {
  it.each([
    ['config-noncompliant.json', 'active', 'MEDIUM'],
    ['config-compliant.json', 'compliant', 'INFORMATIONAL'],
    ['config-not-applicable.json', 'not-applicable', 'INFORMATIONAL'],
  ])('maps %s to status %s', (file, status, label) => {
    const event = only(fixture(file));
    expect(event).toMatchObject({
      source: 'config',
      kind: 's3-bucket-server-side-encryption-enabled',
      account: '210987654321',
      status,
      severity: { label },
      dedupKey:
        'config:210987654321:us-east-1:s3-bucket-server-side-encryption-enabled:AWS::S3::Bucket:example-logs-bucket',
      resources: [{ type: 'AWS::S3::Bucket', id: 'example-logs-bucket', account: '210987654321', region: 'us-east-1' }],
    });
  });

  it('carries the annotation as description', () => {
    expect(only(fixture('config-noncompliant.json')).description).toBe(
      'Default encryption is not enabled on the bucket.',
    );
  });
});

describe('normalizeEvent: CloudTrail', () => {
  it('maps StopLogging as HIGH with the trail as resource', () => {
    const event = only(fixture('cloudtrail-stoplogging.json'));
    expect(event).toMatchObject({
      source: 'cloudtrail',
      kind: 'StopLogging',
      account: '210987654321',
      severity: { label: 'HIGH' },
      title: 'StopLogging called by arn:aws:sts::210987654321:assumed-role/DevOps/mallory',
      dedupKey:
        'cloudtrail:210987654321:StopLogging:arn:aws:sts::210987654321:assumed-role/DevOps/mallory:arn:aws:cloudtrail:us-east-1:210987654321:trail/org-trail',
    });
    expect(event.resources[0]).toMatchObject({
      type: 'AwsCloudTrailTrail',
      arn: 'arn:aws:cloudtrail:us-east-1:210987654321:trail/org-trail',
    });
  });

  it('raises AuthorizeSecurityGroupIngress to HIGH when it opens to 0.0.0.0/0', () => {
    const event = only(fixture('cloudtrail-authorize-sg-ingress.json'));
    expect(event).toMatchObject({ kind: 'AuthorizeSecurityGroupIngress', severity: { label: 'HIGH' } });
    expect(event.resources[0]).toMatchObject({
      type: 'AwsEc2SecurityGroup',
      id: 'sg-0a1b2c3d4e5f67890',
      account: '210987654321',
    });
  });

  it('keeps AuthorizeSecurityGroupIngress to a private range at MEDIUM and failed calls at LOW', () => {
    const raw = fixture('cloudtrail-authorize-sg-ingress.json') as { detail: Record<string, unknown> };
    raw.detail.requestParameters = {
      groupId: 'sg-0a1b2c3d4e5f67890',
      ipPermissions: { items: [{ ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }] } }] },
    };
    expect(only(raw).severity.label).toBe('MEDIUM');
    raw.detail.errorCode = 'Client.UnauthorizedOperation';
    expect(only(raw)).toMatchObject({ severity: { label: 'LOW' }, title: expect.stringContaining('failed') });
  });
});

describe('normalizeEvent: Access Analyzer', () => {
  it('maps a public bucket finding as HIGH', () => {
    const event = only(fixture('access-analyzer-finding.json'));
    expect(event).toMatchObject({
      source: 'access-analyzer',
      kind: 'ExternalAccess',
      severity: { label: 'HIGH' },
      status: 'active',
      dedupKey: 'access-analyzer:123456789012:us-east-1:d9e8f7a6-b5c4-4d3e-2f1a-0b9c8d7e6f5a',
      resources: [expect.objectContaining({ type: 'AWS::S3::Bucket', arn: 'arn:aws:s3:::example-shared-bucket' })],
    });
  });

  it('maps a resolved, non-public finding', () => {
    const raw = fixture('access-analyzer-finding.json') as { detail: Record<string, unknown> };
    raw.detail.status = 'RESOLVED';
    raw.detail.isPublic = false;
    expect(only(raw)).toMatchObject({ status: 'resolved', severity: { label: 'MEDIUM' } });
  });
});

describe('normalizeEvent: generic custom events', () => {
  it('normalizes a custom application event with its own severity and inert strings', () => {
    const raw = fixture('custom-app-event.json');
    const event = only(raw);
    expect(event).toMatchObject({
      source: 'generic',
      kind: 'Suspicious Login',
      account: '123456789012',
      region: 'eu-west-1',
      severity: { label: 'HIGH', score: 70 },
      title: 'Impossible travel for {{context.user}} <script>alert(1)</script>',
      description: 'User logged in from two continents within 5 minutes; $.detail.user',
      dedupKey:
        'generic:com.example.identity:Suspicious Login:arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_EXAMPLE',
    });
  });

  it('defaults to MEDIUM and keys on the id when there are no resources', () => {
    const raw = { ...fixture('custom-app-event.json'), resources: [], detail: { user: 'x' } };
    expect(only(raw)).toMatchObject({
      severity: { label: 'MEDIUM', score: 40 },
      title: 'Suspicious Login from com.example.identity',
      dedupKey: 'generic:com.example.identity:9c4d5e6f-7a8b-4c9d-0e1f-2a3b4c5d6e7f',
    });
  });

  it('reads a numeric detail.severity as a score', () => {
    const raw = { ...fixture('custom-app-event.json'), detail: { severity: 95 } };
    expect(only(raw).severity).toEqual({ label: 'CRITICAL', score: 95 });
  });

  it('sends AWS events without a dedicated normalizer to the generic one', () => {
    const raw = {
      ...fixture('guardduty-ssh-bruteforce.json'),
      'detail-type': 'GuardDuty Malware Protection Object Scan Result',
    };
    expect(only(raw).source).toBe('generic');
  });
});

describe('normalizeEvent: input forms', () => {
  it('accepts the event as JSON text', () => {
    const text = readFileSync(new URL('../fixtures/events/guardduty-ssh-bruteforce.json', import.meta.url), 'utf8');
    expect(only(text).kind).toBe('UnauthorizedAccess:EC2/SSHBruteForce');
  });

  it('keeps strings that look like templates or paths exactly as they are', () => {
    const inert = ['{{context.x}}', '$', '{fn_evil}', '$.foo'].join(' ');
    const raw = fixture('guardduty-ssh-bruteforce.json') as { detail: Record<string, unknown> };
    raw.detail.title = inert;
    raw.detail.description = '<script>alert(1)</script>';
    const event = only(JSON.stringify(raw));
    expect(event.title).toBe(inert);
    expect(event.description).toBe('<script>alert(1)</script>');
  });
});

describe('fixtures and routing patterns', () => {
  it('each fixture matches the EventBridge rule pattern a spoke would forward it with', () => {
    const forwarded = compileEventPattern({
      $or: [
        { source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported', 'Findings Imported V2'] },
        { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] },
        { source: ['aws.config'], 'detail-type': ['Config Rules Compliance Change'] },
        {
          'detail-type': ['AWS API Call via CloudTrail'],
          detail: { eventName: ['StopLogging', 'AuthorizeSecurityGroupIngress'] },
        },
        { source: ['aws.access-analyzer'], 'detail-type': ['Access Analyzer Finding'] },
      ],
    });
    const files = [
      'securityhub-asff-finding.json',
      'securityhub-asff-archived.json',
      'securityhub-asff-multi.json',
      'securityhub-ocsf-finding.json',
      'guardduty-ssh-bruteforce.json',
      'guardduty-ssh-bruteforce-updated.json',
      'config-noncompliant.json',
      'config-compliant.json',
      'config-not-applicable.json',
      'cloudtrail-stoplogging.json',
      'cloudtrail-authorize-sg-ingress.json',
      'access-analyzer-finding.json',
    ];
    expect(files.filter((f) => !forwarded.matches(fixture(f)))).toEqual([]);
    expect(forwarded.matches(fixture('custom-app-event.json'))).toBe(false);
  });
});
