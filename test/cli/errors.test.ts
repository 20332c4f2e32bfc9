import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  assertPortFree,
  describeCliError,
  jsonErrorText,
  parseJsonText,
  reportCliError,
  UsageError,
} from '../../scripts/cli-errors.ts';
import { ConfigError, SoclessError } from '../../shared/errors.ts';
import { parsePlaybookText } from '../../shared/playbook/loader.ts';

/** An error shaped like the AWS SDK's service exceptions. */
function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('describeCliError', () => {
  it.each([
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /no AWS credentials found: .*--profile/,
    ],
    [
      'expired credentials',
      awsError('ExpiredTokenException', 'The security token included in the request is expired'),
      /have expired .*aws sso login/,
    ],
    [
      'access denied',
      awsError('AccessDeniedException', 'User: x is not authorized to perform: sfn:ListStateMachines', 403),
      /access denied \(AccessDeniedException: User: x .*\): use credentials \(or --profile\)/,
    ],
    [
      'throttled after retries',
      awsError('ThrottlingException', 'Rate exceeded'),
      /kept throttling .* --rate <api>=<n>/,
    ],
    [
      'a busy port',
      Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 4850 }),
      /port 4850 is already in use.*--port/,
    ],
    [
      'a missing file',
      Object.assign(new Error("ENOENT: no such file or directory, open '/x/y.json'"), {
        code: 'ENOENT',
        path: '/x/y.json',
      }),
      /^\/x\/y\.json: no such file or folder: check the path$/,
    ],
    [
      'a file where a folder is needed',
      Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR', path: '/x/file' }),
      /\/x\/file: a file is in the way/,
    ],
  ])('explains %s in one line with what to do (exit 1)', (_what, err, says) => {
    const failure = describeCliError(err);
    expect(failure.message).toMatch(says);
    expect(failure.message).not.toContain('\n');
    expect(failure).toMatchObject({ exitCode: 1, unexpected: false });
  });

  it('keeps the context of a SoclessError that wraps an AWS error, with the advice of the AWS error', () => {
    const err = new SoclessError('reading the hub stack:', { cause: awsError('AccessDenied', 'no', 403) });
    expect(describeCliError(err).message).toMatch(/^reading the hub stack: access denied \(AccessDenied: no\)/);
  });

  it('does not repeat advice the wrapping error already gives', () => {
    const cause = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const wrapped = new SoclessError(`profile ops: ${describeCliError(cause).message}`, { cause });
    expect(describeCliError(wrapped).message).toBe(wrapped.message);
  });

  it('gives a usage error exit code 2 and a configuration error one line per problem', () => {
    expect(describeCliError(new UsageError('--port: "x" is not a port number')).exitCode).toBe(2);
    const config = new ConfigError([
      { file: 'a.json', path: '$.x', reason: 'bad' },
      { file: 'a.json', path: '$.y', reason: 'worse' },
    ]);
    expect(describeCliError(config).message).toBe('a.json: $.x: bad\na.json: $.y: worse');
  });

  it('calls an unknown error a bug, says where to report it, and shows no stack', () => {
    const failure = describeCliError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(failure.unexpected).toBe(true);
    expect(failure.message).toMatch(/unexpected error \(TypeError: .*\); this is a bug, please report it to .*--debug/);
    const out = capture();
    expect(reportCliError(new TypeError('boom'), false, out.stream)).toBe(1);
    expect(out.text()).not.toMatch(/\n\s+at /);
  });

  it('prints the stack and its causes only when debugging', () => {
    const out = capture();
    reportCliError(new SoclessError('outer', { cause: new Error('inner') }), true, out.stream);
    expect(out.text()).toMatch(/^error: outer\nSoclessError: outer\n\s+at [\s\S]*caused by:\nError: inner/);
  });
});

describe('JSON errors', () => {
  it('names the line and column instead of the position', () => {
    const text = '{\n  "a": 1\n  "b": 2\n}';
    let message = '';
    try {
      JSON.parse(text);
    } catch (err) {
      message = jsonErrorText(text, err);
    }
    expect(message).toMatch(/at line 3, column 3$/);
    expect(message).not.toMatch(/position/);
    expect(() => parseJsonText(text, 'f.json')).toThrow(/^f\.json: not valid JSON \(.* at line 3, column 3\)$/);
  });

  it('reports a broken playbook.json by line and column', () => {
    const source = parsePlaybookText('p', '/p', '/p/playbook.json', '{\n  "StartAt": "A",\n  "States": {,}\n}');
    expect(source.problems[0]?.reason).toMatch(/^not valid JSON: .* at line 3, column 14$/);
  });
});

describe('assertPortFree', () => {
  it('fails with what to do when the port is taken, and passes when it is free', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    await expect(assertPortFree(port)).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is already in use .* pass --port/);
    await new Promise<void>((done) => server.close(() => done()));
    await expect(assertPortFree(port)).resolves.toBeUndefined();
  });
});
