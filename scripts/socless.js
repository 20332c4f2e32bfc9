#!/usr/bin/env node
// Entry point of the `socless` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

// The AWS SDK warns at load time that its releases from 2027 need Node 22; the project states its engines
// itself, so keep that one notice out of command output and pass every other warning through.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const sdkNodeNotice = `${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning');
  if (!sdkNodeNotice) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

register();
try {
  const { main } = await import('./cli.ts');
  process.exitCode = await main(process.argv);
} catch (err) {
  // Only a CLI that cannot even load ends up here (cli.ts reports everything else): still one line.
  const debug = process.argv.includes('--debug') || process.env.SOCLESS_DEBUG === '1';
  process.stderr.write(
    `error: the socless CLI failed to load (${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}); ` +
      'this is a bug, please report it to the socless-org issue tracker (attach the output with --debug)\n',
  );
  if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
