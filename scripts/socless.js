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
await import('./cli.ts');
