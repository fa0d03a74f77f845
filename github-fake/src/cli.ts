#!/usr/bin/env node
/**
 * `node github-fake/src/cli.ts --port 0 [--app-id N] [--app-slug S] [--app-public-key-file F] [--app-client-id ID] [--app-client-secret S] [--git-root DIR]`
 * Prints one JSON line once ready (the generated App key and the OAuth client secret are at GET /_fake/app)
 * and stops cleanly on SIGTERM/SIGINT. For e2e and `npm start`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeGitHub } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'app-id': { type: 'string' },
    'app-slug': { type: 'string' },
    'app-public-key-file': { type: 'string' },
    'app-client-id': { type: 'string' },
    'app-client-secret': { type: 'string' },
    'git-root': { type: 'string' },
  },
});

const keyFile = values['app-public-key-file'];
const gh = await startFakeGitHub({
  port: Number(values.port),
  host: values.host,
  appId: values['app-id'] === undefined ? undefined : Number(values['app-id']),
  appSlug: values['app-slug'],
  appPublicKeyPem: keyFile === undefined ? undefined : readFileSync(keyFile, 'utf8'),
  appClientId: values['app-client-id'],
  appClientSecret: values['app-client-secret'],
  gitRoot: values['git-root'],
});
console.log(JSON.stringify({ msg: 'github-fake ready', url: gh.url, appId: gh.app().id, clientId: gh.app().clientId }));

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    return;
  }
  stopping = true;
  gh.close().then(
    () => {
      console.log(JSON.stringify({ msg: 'github-fake stopped', signal, violations: gh.violations().length }));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(JSON.stringify({ msg: 'github-fake stop failed', error: String(err) }));
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
