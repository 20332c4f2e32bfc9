import { describe, expect, it } from 'vitest';
import { SoclessError } from '../../shared/errors.ts';
import { compileEventPattern, EventPatternError, validateEventPattern } from '../../shared/event-pattern/index.ts';

type Invalid = readonly [name: string, pattern: unknown, path: string, reason: RegExp];

describe('validateEventPattern', () => {
  it.each<Invalid>([
    ['a non-object pattern', ['aws.ec2'], '$', /must be a JSON object/],
    ['invalid JSON text', '{"source": [', '$', /not valid JSON/],
    ['a non-array leaf', { source: 'aws.ec2' }, '$.source', /must be an object or an array/],
    ['a number leaf', { detail: { severity: 5 } }, '$.detail.severity', /must be an object or an array/],
    ['an empty value array', { source: [] }, '$.source', /empty arrays are not allowed/],
    ['an empty pattern', {}, '$', /empty objects are not allowed/],
    ['an empty nested object', { detail: {} }, '$.detail', /empty objects are not allowed/],
    ['a nested array value', { source: [['aws.ec2']] }, '$.source[0]', /must be a string, number/],
    [
      'an unknown operator',
      { detail: { severity: [{ greater: 5 }] } },
      '$.detail.severity[0]',
      /unknown operator "greater"/,
    ],
    [
      'a nested pattern object inside a value array',
      { detail: [{ state: ['x'] }] },
      '$.detail[0]',
      /unknown operator "state"/,
    ],
    ['two keys in one operator object', { v: [{ prefix: 'a', suffix: 'b' }] }, '$.v[0]', /exactly one key/],
    ['an empty operator object', { v: [{}] }, '$.v[0]', /exactly one key \(found none\)/],
    ['prefix with a number', { v: [{ prefix: 5 }] }, '$.v[0].prefix', /prefix needs a string/],
    [
      'prefix with an unknown inner operator',
      { v: [{ prefix: { wildcard: 'a*' } }] },
      '$.v[0].prefix',
      /equals-ignore-case/,
    ],
    ['suffix with an array', { v: [{ suffix: ['.png'] }] }, '$.v[0].suffix', /suffix needs a string/],
    [
      'equals-ignore-case with a number',
      { v: [{ 'equals-ignore-case': 1 }] },
      '$.v[0]["equals-ignore-case"]',
      /needs a string/,
    ],
    ['exists with a string', { v: [{ exists: 'true' }] }, '$.v[0].exists', /exists must be true or false/],
    ['numeric that is not an array', { v: [{ numeric: 5 }] }, '$.v[0].numeric', /needs an array/],
    ['numeric with an unknown operator', { v: [{ numeric: ['!=', 5] }] }, '$.v[0].numeric[0]', /must be one of/],
    ['numeric with a string operand', { v: [{ numeric: ['>', '5'] }] }, '$.v[0].numeric[1]', /must be a number/],
    ['numeric with three elements', { v: [{ numeric: ['>', 0, '<'] }] }, '$.v[0].numeric', /found 3 elements/],
    [
      'numeric range starting with an upper bound',
      { v: [{ numeric: ['<', 0, '<=', 5] }] },
      '$.v[0].numeric[0]',
      /lower bound/,
    ],
    [
      'numeric range ending with a lower bound',
      { v: [{ numeric: ['>', 0, '>', 5] }] },
      '$.v[0].numeric[2]',
      /upper bound/,
    ],
    ['numeric range with = ', { v: [{ numeric: ['=', 0, '<', 5] }] }, '$.v[0].numeric[0]', /lower bound/],
    ['numeric range that is empty', { v: [{ numeric: ['>', 5, '<', 5] }] }, '$.v[0].numeric', /range is empty/],
    [
      'numeric range that is inverted',
      { v: [{ numeric: ['>=', 10, '<=', 1] }] },
      '$.v[0].numeric',
      /must be less than/,
    ],
    [
      'numeric operand out of range',
      { v: [{ numeric: ['<', 1e10] }] },
      '$.v[0].numeric[1]',
      /outside the supported range/,
    ],
    ['anything-but with null', { v: [{ 'anything-but': null }] }, '$.v[0]["anything-but"]', /anything-but needs/],
    [
      'anything-but with mixed list',
      { v: [{ 'anything-but': ['a', 1] }] },
      '$.v[0]["anything-but"]',
      /only strings or only numbers/,
    ],
    ['anything-but with an empty list', { v: [{ 'anything-but': [] }] }, '$.v[0]["anything-but"]', /must not be empty/],
    [
      'anything-but with booleans',
      { v: [{ 'anything-but': [true] }] },
      '$.v[0]["anything-but"]',
      /only strings or only numbers/,
    ],
    [
      'anything-but with an unsupported operator',
      { v: [{ 'anything-but': { numeric: ['>', 1] } }] },
      '$.v[0]["anything-but"]',
      /unsupported anything-but operator "numeric"/,
    ],
    [
      'anything-but prefix that is empty',
      { v: [{ 'anything-but': { prefix: '' } }] },
      '$.v[0]["anything-but"].prefix',
      /non-empty string/,
    ],
    [
      'anything-but suffix with a number',
      { v: [{ 'anything-but': { suffix: 1 } }] },
      '$.v[0]["anything-but"].suffix',
      /non-empty string/,
    ],
    [
      'anything-but equals-ignore-case with numbers',
      { v: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
      '$.v[0]["anything-but"]["equals-ignore-case"]',
      /list of strings/,
    ],
    [
      'anything-but wildcard with a bad escape',
      { v: [{ 'anything-but': { wildcard: ['ok*', 'a\\b'] } }] },
      '$.v[0]["anything-but"].wildcard[1]',
      /invalid escape/,
    ],
    ['wildcard with consecutive stars', { v: [{ wildcard: 'a**b' }] }, '$.v[0].wildcard', /consecutive wildcard/],
    ['wildcard with an invalid escape', { v: [{ wildcard: 'a\\d' }] }, '$.v[0].wildcard', /invalid escape/],
    ['wildcard with a trailing backslash', { v: [{ wildcard: 'abc\\' }] }, '$.v[0].wildcard', /invalid escape/],
    ['cidr without a prefix length', { ip: [{ cidr: '10.0.0.1' }] }, '$.ip[0].cidr', /prefix-length/],
    ['cidr with a too-long IPv4 prefix', { ip: [{ cidr: '10.0.0.0/33' }] }, '$.ip[0].cidr', /0 to 32/],
    ['cidr with a too-long IPv6 prefix', { ip: [{ cidr: '2001:db8::/129' }] }, '$.ip[0].cidr', /0 to 128/],
    ['cidr with a bad address', { ip: [{ cidr: '10.0.0.256/8' }] }, '$.ip[0].cidr', /not an IPv4 or IPv6 address/],
    ['cidr with a number', { ip: [{ cidr: 10 }] }, '$.ip[0].cidr', /cidr needs a string/],
    ['$or that is an object', { $or: { a: ['x'] } }, '$["$or"]', /must be an array/],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, '$["$or"]', /at least two/],
    ['$or with a non-object alternative', { $or: [{ a: ['x'] }, 'b'] }, '$["$or"][1]', /must be a pattern object/],
    [
      'an operator name as a field inside $or',
      { $or: [{ numeric: [1] }, { prefix: ['abc'] }] },
      '$["$or"][0].numeric',
      /operator name/,
    ],
  ])('rejects %s', (_name, pattern, path, reason) => {
    const problems = validateEventPattern(pattern);
    const problem = problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem?.reason).toMatch(reason);
  });

  it('rejects patterns nested deeper than the limit', () => {
    let pattern: Record<string, unknown> = { leaf: ['x'] };
    for (let i = 0; i < 40; i++) pattern = { nested: pattern };
    expect(validateEventPattern(pattern)).toEqual([{ path: '$', reason: 'nests deeper than 32 levels' }]);
    expect(validateEventPattern(pattern, { maxDepth: 64 })).toEqual([]);
  });

  it('rejects absurd nesting without overflowing the stack', () => {
    let pattern: Record<string, unknown> = { leaf: ['x'] };
    for (let i = 0; i < 200_000; i++) pattern = { n: pattern };
    expect(validateEventPattern(pattern)[0]?.reason).toMatch(/nests deeper/);
  });

  it('reports every problem, not just the first', () => {
    const problems = validateEventPattern({ source: 'aws.ec2', detail: { a: [], b: [{ exists: 1 }] } });
    expect(problems.map((p) => p.path)).toEqual(['$.source', '$.detail.a', '$.detail.b[0].exists']);
  });

  it.each([
    [
      'the documented complex example',
      {
        time: [{ prefix: '2017-10-02' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'x-limit': [{ 'anything-but': [100, 200, 300] }],
        },
      },
    ],
    ['a field named like an operator outside $or', { detail: { prefix: ['abc'], numeric: [1] } }],
    [
      'a Security Hub trigger',
      {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: { findings: { Severity: { Label: ['HIGH', 'CRITICAL'] }, RecordState: ['ACTIVE'] } },
      },
    ],
    [
      'all anything-but forms',
      {
        a: [
          { 'anything-but': { prefix: 'x' } },
          { 'anything-but': { suffix: 'y' } },
          { 'anything-but': { 'equals-ignore-case': ['A', 'b'] } },
          { 'anything-but': { wildcard: '*/lib/*' } },
        ],
      },
    ],
    ['numeric = with a negative number', { a: [{ numeric: ['=', -5e9] }] }],
    ['cidr IPv6', { ip: [{ cidr: '2001:db8::/32' }] }],
    ['null, booleans and empty strings as values', { a: [null, true, false, ''] }],
  ])('accepts %s', (_name, pattern) => {
    expect(validateEventPattern(pattern)).toEqual([]);
  });
});

describe('compileEventPattern errors', () => {
  it('throws an EventPatternError (a SoclessError) listing the problems', () => {
    let caught: unknown;
    try {
      compileEventPattern({ detail: { severity: [{ numeric: ['>', 'high'] }] } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EventPatternError);
    expect(caught).toBeInstanceOf(SoclessError);
    const error = caught as EventPatternError;
    expect(error.name).toBe('EventPatternError');
    expect(error.problems).toEqual([
      { path: '$.detail.severity[0].numeric[1]', reason: expect.stringMatching(/must be a number/) },
    ]);
    expect(error.message).toContain('$.detail.severity[0].numeric[1]');
  });
});
