import { describe, expect, it } from 'vitest';
import { compileEventPattern, matchesEventPattern } from '../../shared/event-pattern/index.ts';

type Case = readonly [name: string, pattern: unknown, event: unknown, expected: boolean];

function runCases(cases: readonly Case[]): void {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

// Events from the EventBridge user guide ("Event patterns", "Content filtering", "Arrays", "Null values").
const EC2_TERMINATED = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const AUTOSCALING = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const MACIE = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'alert-type': 'basic', risk: 8 },
  },
};

function withDetail(detail: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...RULER_EVENT, ...extra, detail };
}

describe('matchesEventPattern: documentation examples', () => {
  runCases([
    [
      'EC2 termination pattern matches the terminated instance event',
      {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['terminated'] },
      },
      EC2_TERMINATED,
      true,
    ],
    [
      'EC2 termination pattern does not match a running instance',
      { source: ['aws.ec2'], detail: { state: ['terminated'] } },
      { ...EC2_TERMINATED, detail: { state: 'running' } },
      false,
    ],
    [
      'multiple values act as OR (aws.ec2 or aws.fargate)',
      { source: ['aws.ec2', 'aws.fargate'] },
      EC2_TERMINATED,
      true,
    ],
    ['multiple values do not match a third source', { source: ['aws.s3', 'aws.fargate'] }, EC2_TERMINATED, false],
    [
      'null value matching on responseElements',
      {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance Launch Successful'],
        detail: { responseElements: [null] },
      },
      AUTOSCALING,
      true,
    ],
    ['empty string matches eventVersion ""', { detail: { eventVersion: [''] } }, AUTOSCALING, true],
    ['an empty-string pattern does not match null', { detail: { responseElements: [''] } }, AUTOSCALING, false],
    ['a null pattern does not match an empty string', { detail: { eventVersion: [null] } }, AUTOSCALING, false],
    [
      'Macie risk score 80 and trigger risk 8',
      { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } },
      MACIE,
      true,
    ],
    ['Macie trigger risk 9 does not match', { detail: { trigger: { risk: [9] } } }, MACIE, false],
    [
      'resources array intersects the pattern array',
      {
        resources: [
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
        ],
      },
      {
        ...EC2_TERMINATED,
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
      true,
    ],
    [
      'resources array with no common element does not match',
      { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
      EC2_TERMINATED,
      false,
    ],
    ['prefix on time', { time: [{ prefix: '2017-10-02' }] }, RULER_EVENT, true],
    ['prefix on time with another day', { time: [{ prefix: '2017-10-03' }] }, RULER_EVENT, false],
    [
      'prefix equals-ignore-case EventB',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      withDetail({ service: 'eventbridge' }),
      true,
    ],
    [
      'prefix equals-ignore-case EVENTB',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      withDetail({ service: 'EVENTBRIDGE' }),
      true,
    ],
    [
      'prefix equals-ignore-case miss',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      withDetail({ service: 'lambda' }),
      false,
    ],
    ['suffix .png', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
    ['suffix .png is case-sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }, false],
    [
      'suffix equals-ignore-case .png matches .PNG',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      withDetail({ FileName: 'IMAGE.PNG' }),
      true,
    ],
    [
      'suffix equals-ignore-case misses .jpg',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      withDetail({ FileName: 'a.jpg' }),
      false,
    ],
    [
      'anything-but initializing matches running',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      RULER_EVENT,
      true,
    ],
    [
      'anything-but initializing rejects initializing',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      withDetail({ state: 'initializing' }),
      false,
    ],
    ['anything-but 123 matches 301.8', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, RULER_EVENT, true],
    [
      'anything-but 123 rejects 123',
      { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      withDetail({ 'x-limit': 123 }),
      false,
    ],
    [
      'anything-but list of strings matches running',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      RULER_EVENT,
      true,
    ],
    [
      'anything-but list of strings rejects stopped',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      withDetail({ state: 'stopped' }),
      false,
    ],
    [
      'anything-but list of numbers rejects 200',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      withDetail({ 'x-limit': 200 }),
      false,
    ],
    [
      'anything-but list of numbers matches 301.8',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      RULER_EVENT,
      true,
    ],
    [
      'anything-but prefix init rejects initializing',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      withDetail({ state: 'initializing' }),
      false,
    ],
    [
      'anything-but prefix init matches running',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      RULER_EVENT,
      true,
    ],
    [
      'anything-but prefix us- rejects us-east-1',
      { region: [{ 'anything-but': { prefix: 'us-' } }] },
      RULER_EVENT,
      false,
    ],
    [
      'anything-but prefix us- matches eu-west-1',
      { region: [{ 'anything-but': { prefix: 'us-' } }] },
      { ...RULER_EVENT, region: 'eu-west-1' },
      true,
    ],
    [
      'anything-but suffix .png rejects a.png',
      { FileName: [{ 'anything-but': { suffix: '.png' } }] },
      { FileName: 'a.png' },
      false,
    ],
    [
      'anything-but suffix .png matches a.txt',
      { FileName: [{ 'anything-but': { suffix: '.png' } }] },
      { FileName: 'a.txt' },
      true,
    ],
    [
      'anything-but equals-ignore-case rejects INITIALIZING',
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      { state: 'INITIALIZING' },
      false,
    ],
    [
      'anything-but equals-ignore-case matches running',
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      { state: 'running' },
      true,
    ],
    [
      'anything-but equals-ignore-case list rejects Stopped',
      { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
      { state: 'Stopped' },
      false,
    ],
    [
      'anything-but wildcard */lib/* rejects a lib path',
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { FilePath: '/usr/lib/x.so' },
      false,
    ],
    [
      'anything-but wildcard */lib/* matches a bin path',
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { FilePath: '/usr/bin/x' },
      true,
    ],
    [
      'anything-but wildcard list rejects a bin path',
      { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
      { FilePath: '/usr/bin/x' },
      false,
    ],
    ['equals-ignore-case alice matches Alice', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' }, true],
    [
      'equals-ignore-case alice misses Alicia',
      { Name: [{ 'equals-ignore-case': 'alice' }] },
      { Name: 'Alicia' },
      false,
    ],
    [
      'wildcard Simple*Service',
      { source: [{ wildcard: 'Simple*Service' }] },
      { source: 'SimpleNotificationService' },
      true,
    ],
    [
      'wildcard Simple*Service misses SimpleServices',
      { source: [{ wildcard: 'Simple*Service' }] },
      { source: 'SimpleServices' },
      false,
    ],
    [
      'wildcard dir/*.png',
      { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
      { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/main' },
      true,
    ],
    [
      'numeric c-count, d-count, x-limit all true',
      {
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      },
      RULER_EVENT,
      true,
    ],
    [
      'numeric fails when one field is out of range',
      { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }] } },
      withDetail({ 'c-count': 6, 'd-count': 3 }),
      false,
    ],
    ['cidr 10.0.0.0/24 matches 10.0.0.33', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, RULER_EVENT, true],
    [
      'cidr 10.0.0.0/24 misses 10.0.1.1',
      { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
      withDetail({ 'source-ip': '10.0.1.1' }),
      false,
    ],
    [
      'exists false matches when c-count is missing',
      { detail: { 'c-count': [{ exists: false }] } },
      { ...EC2_TERMINATED },
      true,
    ],
    [
      'exists false matches when c-count is not a leaf',
      { detail: { 'c-count': [{ exists: false }] } },
      withDetail({ state: 'x', 'c-count': { c1: 100 } }),
      true,
    ],
    [
      'exists false does not match a present c-count',
      { detail: { 'c-count': [{ exists: false }] } },
      RULER_EVENT,
      false,
    ],
    ['exists true matches a present c-count', { detail: { 'c-count': [{ exists: true }] } }, RULER_EVENT, true],
    [
      'exists true does not match a missing field',
      { detail: { 'c-count': [{ exists: true }] } },
      EC2_TERMINATED,
      false,
    ],
    [
      'complex example combining prefix, anything-but, numeric and cidr',
      {
        time: [{ prefix: '2017-10-02' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ 'anything-but': [100, 200, 300] }],
          'source-ip': [{ cidr: '10.0.0.0/8' }],
        },
      },
      RULER_EVENT,
      true,
    ],
  ]);
});

const CW = {
  source: 'aws.cloudwatch',
  metricName: 'NetworkIn',
  namespace: 'AWS/EC2',
  metricType: 'MetricType',
  scope: 'Other',
};

describe('matchesEventPattern: $or', () => {
  runCases([
    [
      'source && (metricName || namespace): namespace matches',
      {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      },
      CW,
      true,
    ],
    [
      'source && (metricName || namespace): neither matches',
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/ES'] }] },
      CW,
      false,
    ],
    [
      'source && (...) fails on source',
      { source: ['aws.ec2'], $or: [{ metricName: ['NetworkIn'] }, { namespace: ['AWS/EC2'] }] },
      CW,
      false,
    ],
    [
      'or branch with an AND inside',
      {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], namespace: ['AWS/EC2'] },
          { scope: ['Service'] },
        ],
      },
      CW,
      true,
    ],
    [
      'or branch with an AND inside where one conjunct fails',
      {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], namespace: ['AWS/ES'] },
          { scope: ['Service'] },
        ],
      },
      CW,
      false,
    ],
    [
      'nested $or inside a branch',
      {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
      { ...CW, spaceId: 1000 },
      true,
    ],
    [
      'nested $or inside a branch without either id',
      {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
      CW,
      false,
    ],
    [
      'parallel $or at two levels',
      {
        $or: [{ metricName: ['NetworkIn'] }, { namespace: ['AWS/ES'] }],
        detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
      },
      { ...CW, detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
      true,
    ],
    [
      'parallel $or where the nested one fails',
      {
        $or: [{ metricName: ['NetworkIn'] }, { namespace: ['AWS/ES'] }],
        detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
      },
      { ...CW, detail: { 'detail-type': 'Other' } },
      false,
    ],
    [
      'numeric alternatives inside detail.$or',
      {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 301.8 }),
      true,
    ],
    [
      '$or on top-level envelope fields (account or region)',
      { $or: [{ account: ['210987654321'] }, { region: ['us-east-1'] }] },
      RULER_EVENT,
      true,
    ],
  ]);
});

describe('matchesEventPattern: values and types', () => {
  runCases([
    [
      'a number pattern does not match the same digits as a string',
      { detail: { n: [5] } },
      withDetail({ n: '5' }),
      false,
    ],
    ['a string pattern does not match a number', { detail: { n: ['5'] } }, withDetail({ n: 5 }), false],
    ['300 and 300.0 parse to the same number and match', { detail: { n: [300] } }, withDetail({ n: 300.0 }), true],
    ['numbers equal to six decimal places match', { detail: { n: [1.0000001] } }, withDetail({ n: 1.0000002 }), true],
    [
      'large integers compare exactly (account id as number)',
      { detail: { n: [123456789012] } },
      withDetail({ n: 123456789013 }),
      false,
    ],
    ['true matches boolean true', { detail: { flag: [true] } }, withDetail({ flag: true }), true],
    ['true does not match the string "true"', { detail: { flag: [true] } }, withDetail({ flag: 'true' }), false],
    ['false does not match null', { detail: { flag: [false] } }, withDetail({ flag: null }), false],
    ['exact string matching is case-sensitive', { source: ['AWS.EC2'] }, RULER_EVENT, false],
    ['matches on account', { account: ['012345679012'] }, RULER_EVENT, true],
    ['matches on region', { region: ['us-east-1'] }, RULER_EVENT, true],
    ['matches on id', { id: ['ddddd4-aaaa-7777-4444-345dd43cc333'] }, RULER_EVENT, true],
    ['matches on detail-type', { 'detail-type': ['EC2 Instance State-change Notification'] }, RULER_EVENT, true],
    [
      'matches on time prefix and account together',
      { time: [{ prefix: '2017' }], account: ['999999999999'] },
      RULER_EVENT,
      false,
    ],
    ['a missing field fails an exact match', { detail: { missing: ['x'] } }, RULER_EVENT, false],
    [
      'a pattern object against a scalar field does not match',
      { detail: { state: { name: ['running'] } } },
      RULER_EVENT,
      false,
    ],
    ['a leaf pattern against an object field does not match', { detail: ['x'] }, RULER_EVENT, false],
    ['prefix does not apply to numbers', { detail: { 'c-count': [{ prefix: '5' }] } }, RULER_EVENT, false],
    ['empty prefix matches any string', { source: [{ prefix: '' }] }, RULER_EVENT, true],
    [
      'anything-but matches a value of another type',
      { detail: { 'c-count': [{ 'anything-but': 'initializing' }] } },
      RULER_EVENT,
      true,
    ],
    [
      'anything-but requires the field to exist',
      { detail: { missing: [{ 'anything-but': 'x' }] } },
      RULER_EVENT,
      false,
    ],
    [
      'anything-but prefix matches a number (not a string with that prefix)',
      { detail: { 'c-count': [{ 'anything-but': { prefix: '5' } }] } },
      RULER_EVENT,
      true,
    ],
    [
      'a value list can mix exact values and operators',
      { detail: { state: ['stopped', { prefix: 'run' }] } },
      RULER_EVENT,
      true,
    ],
    [
      'exists false or a value: absent field matches',
      { detail: { tier: ['gold', { exists: false }] } },
      RULER_EVENT,
      true,
    ],
    [
      'exists false or a value: other value does not match',
      { detail: { tier: ['gold', { exists: false }] } },
      withDetail({ tier: 'silver' }),
      false,
    ],
    ['exists true matches a null value', { detail: { v: [{ exists: true }] } }, withDetail({ v: null }), true],
    [
      'exists false does not match a null value',
      { detail: { v: [{ exists: false }] } },
      withDetail({ v: null }),
      false,
    ],
    ['exists true does not match an intermediate object', { detail: [{ exists: true }] }, RULER_EVENT, false],
    ['keys from Object.prototype are not fields', { constructor: [{ exists: true }] }, RULER_EVENT, false],
    [
      'a __proto__ key in the event is matched as an ordinary field',
      JSON.parse('{"__proto__":["x"]}'),
      JSON.parse('{"__proto__":"x"}'),
      true,
    ],
    ['non-object events never match', { source: [{ exists: false }] }, 'not an event', false],
    ['an unparsed JSON string is not an event', { source: ['aws.ec2'] }, JSON.stringify(RULER_EVENT), false],
  ]);
});

describe('matchesEventPattern: arrays in events', () => {
  runCases([
    ['any element of a string array matches', { detail: { tags: ['Insider'] } }, MACIE, true],
    ['no element of a string array matches', { detail: { tags: ['Outsider'] } }, MACIE, false],
    ['nested arrays are flattened', { detail: { tags: [7] } }, withDetail({ tags: [[1, [7]], 3] }), true],
    ['anything-but matches if any element differs', { detail: { tags: [{ 'anything-but': 'Insider' }] } }, MACIE, true],
    [
      'anything-but fails if every element is excluded',
      { detail: { tags: [{ 'anything-but': 'Insider' }] } },
      withDetail({ tags: ['Insider', 'Insider'] }),
      false,
    ],
    [
      'numeric on an array of numbers',
      { detail: { scores: [{ numeric: ['>=', 90] }] } },
      withDetail({ scores: [10, 95] }),
      true,
    ],
    [
      'fields inside array objects are matched element-wise',
      { employees: { firstName: ['Anna'] } },
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      },
      true,
    ],
    [
      'fields are not combined across different array elements',
      { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
      {
        employees: [
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      },
      false,
    ],
    [
      'fields in the same array element match together',
      { employees: { firstName: ['Peter'], lastName: ['Jones'] } },
      { employees: [[{ firstName: 'John', lastName: 'Doe' }], [{ firstName: 'Peter', lastName: 'Jones' }]] },
      true,
    ],
    [
      'ASFF findings array: severity label and workflow of the same finding',
      { detail: { findings: { Severity: { Label: ['CRITICAL'] }, Workflow: { Status: ['NEW'] } } } },
      {
        detail: {
          findings: [
            { Severity: { Label: 'LOW' }, Workflow: { Status: 'NEW' } },
            { Severity: { Label: 'CRITICAL' }, Workflow: { Status: 'NEW' } },
          ],
        },
      },
      true,
    ],
    [
      'ASFF findings array: label and status from different findings do not combine',
      { detail: { findings: { Severity: { Label: ['CRITICAL'] }, Workflow: { Status: ['NEW'] } } } },
      {
        detail: {
          findings: [
            { Severity: { Label: 'LOW' }, Workflow: { Status: 'NEW' } },
            { Severity: { Label: 'CRITICAL' }, Workflow: { Status: 'SUPPRESSED' } },
          ],
        },
      },
      false,
    ],
    ['exists false on an empty array', { resources: [{ exists: false }] }, AUTOSCALING, true],
    ['exists true on an empty array', { resources: [{ exists: true }] }, AUTOSCALING, false],
    ['exists true on a non-empty array', { resources: [{ exists: true }] }, EC2_TERMINATED, true],
    [
      'exists false on an array of objects (no leaves there)',
      { items: [{ exists: false }] },
      { items: [{ a: 1 }] },
      true,
    ],
    [
      'exists false below an array of objects: one element lacks the field',
      { items: { c: [{ exists: false }] } },
      { items: [{ c: 1 }, { b: 1 }] },
      true,
    ],
    [
      'exists false below an array of objects: every element has it',
      { items: { c: [{ exists: false }] } },
      { items: [{ c: 1 }, { c: 2 }] },
      false,
    ],
    ['exists false below an array of scalars', { items: { c: [{ exists: false }] } }, { items: [1, 2] }, true],
    [
      '$or branches evaluate against one array element',
      { items: { $or: [{ a: [1] }, { b: [2] }] } },
      { items: [{ a: 3 }, { b: 2 }] },
      true,
    ],
  ]);
});

describe('matchesEventPattern: string operators edge cases', () => {
  runCases([
    ['wildcard * matches any string', { v: [{ wildcard: '*' }] }, { v: 'anything' }, true],
    ['wildcard * matches the empty string', { v: [{ wildcard: '*' }] }, { v: '' }, true],
    ['wildcard * does not match a number', { v: [{ wildcard: '*' }] }, { v: 5 }, false],
    ['wildcard without * is an exact match', { v: [{ wildcard: 'abc' }] }, { v: 'abcd' }, false],
    ['wildcard escaped star is literal', { v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' }, true],
    ['wildcard escaped star does not act as a wildcard', { v: [{ wildcard: 'a\\*b' }] }, { v: 'axxb' }, false],
    ['wildcard escaped backslash is literal', { v: [{ wildcard: 'a\\\\*' }] }, { v: 'a\\tail' }, true],
    ['wildcard pieces must not overlap', { v: [{ wildcard: 'ab*ba' }] }, { v: 'aba' }, false],
    ['wildcard with several pieces in order', { v: [{ wildcard: '*a*b*c*' }] }, { v: 'xxaybzc' }, true],
    ['wildcard with several pieces out of order', { v: [{ wildcard: '*a*b*c*' }] }, { v: 'cba' }, false],
    [
      'equals-ignore-case folds accented letters',
      { v: [{ 'equals-ignore-case': 'ÉVÉNEMENT' }] },
      { v: 'événement' },
      true,
    ],
    ['equals-ignore-case folds Greek final sigma', { v: [{ 'equals-ignore-case': 'ΟΔΟΣ' }] }, { v: 'οδος' }, true],
    [
      'equals-ignore-case keeps ß distinct from ss',
      { v: [{ 'equals-ignore-case': 'STRASSE' }] },
      { v: 'straße' },
      false,
    ],
    ['equals-ignore-case folds Cyrillic', { v: [{ 'equals-ignore-case': 'привет' }] }, { v: 'ПРИВЕТ' }, true],
    ['prefix ignore-case with unicode', { v: [{ prefix: { 'equals-ignore-case': 'ÄR' } }] }, { v: 'ärger' }, true],
    ['equals-ignore-case does not match numbers', { v: [{ 'equals-ignore-case': '5' }] }, { v: 5 }, false],
  ]);
});

describe('matchesEventPattern: numeric edge cases', () => {
  runCases([
    ['> 0 excludes 0', { v: [{ numeric: ['>', 0] }] }, { v: 0 }, false],
    ['>= 0 includes 0', { v: [{ numeric: ['>=', 0] }] }, { v: 0 }, true],
    ['<= 5 includes 5', { v: [{ numeric: ['<=', 5] }] }, { v: 5 }, true],
    ['< 5 excludes 5', { v: [{ numeric: ['<', 5] }] }, { v: 5 }, false],
    ['range > 0 <= 5 includes the upper bound', { v: [{ numeric: ['>', 0, '<=', 5] }] }, { v: 5 }, true],
    ['range >= 1 < 2 excludes the upper bound', { v: [{ numeric: ['>=', 1, '<', 2] }] }, { v: 2 }, false],
    ['= compares numerically (3.018e2 vs 301.8)', { v: [{ numeric: ['=', 3.018e2] }] }, { v: 301.8 }, true],
    ['negative numbers', { v: [{ numeric: ['<', -1.5] }] }, { v: -2 }, true],
    ['numeric does not match a numeric string', { v: [{ numeric: ['>', 0] }] }, { v: '5' }, false],
    ['numeric does not match values beyond 5e9', { v: [{ numeric: ['>', 0] }] }, { v: 6e9 }, false],
    ['numeric precision is six decimals', { v: [{ numeric: ['>', 0] }] }, { v: 0.0000001 }, false],
    ['numeric on a missing field fails', { v: [{ numeric: ['>', 0] }] }, { w: 1 }, false],
  ]);
});

describe('matchesEventPattern: cidr and IP values', () => {
  runCases([
    ['/24 includes the network address', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.0' }, true],
    ['/24 includes the broadcast address', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }, true],
    ['/24 excludes the next address', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }, false],
    ['/32 matches one address', { ip: [{ cidr: '192.168.1.7/32' }] }, { ip: '192.168.1.7' }, true],
    ['/0 matches every IPv4 address', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '203.0.113.9' }, true],
    ['IPv4 block does not match IPv6 addresses', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '2001:db8::1' }, false],
    ['IPv6 /32 matches inside', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:ffff::1' }, true],
    ['IPv6 /32 excludes outside', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' }, false],
    ['IPv6 is case-insensitive', { ip: [{ cidr: '2001:DB8::/32' }] }, { ip: '2001:db8::abcd' }, true],
    ['IPv6 /128 boundary', { ip: [{ cidr: '::1/128' }] }, { ip: '0:0:0:0:0:0:0:1' }, true],
    ['host bits in the block are ignored', { ip: [{ cidr: '10.0.0.77/24' }] }, { ip: '10.0.0.1' }, true],
    ['non-IP strings do not match', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'not-an-ip' }, false],
    [
      'an IP value matches the same address spelled differently',
      { ip: ['2001:db8::1'] },
      { ip: '2001:0DB8:0:0:0:0:0:1' },
      true,
    ],
  ]);
});

describe('compileEventPattern', () => {
  it('compiles once and matches many events', () => {
    const compiled = compileEventPattern({ source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } });
    const events = [5, 7, 8.9, 10].map((severity) => ({ source: 'aws.guardduty', detail: { severity } }));
    expect(events.map((e) => compiled.matches(e))).toEqual([false, true, true, true]);
  });

  it('accepts the pattern as JSON text', () => {
    const compiled = compileEventPattern('{"source":["aws.ec2"]}');
    expect(compiled.matches(RULER_EVENT)).toBe(true);
    expect(compiled.pattern).toEqual({ source: ['aws.ec2'] });
  });

  it('does not recurse on hostile event nesting below a matched array', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(matchesEventPattern({ v: ['x'] }, { v: deep })).toBe(true);
  });
});
