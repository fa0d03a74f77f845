#!/usr/bin/env node
/**
 * `node model-fake/src/cli.ts --port 0 [--host H] [--script demo] [--file CHANGELOG.md] [--server stageline]`
 * Prints one JSON line once ready (`url`; codex's base_url is `<url>/v1`,
 * ANTHROPIC_BASE_URL is `<url>`) and stops cleanly on SIGTERM/SIGINT. For `npm start`.
 */
import { parseArgs } from 'node:util';
import { demoScript, startScriptedModel } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    script: { type: 'string', default: 'demo' },
    file: { type: 'string' },
    server: { type: 'string' },
  },
});

if (values.script !== 'demo') {
  console.error(JSON.stringify({ msg: 'model-fake: unknown script', script: values.script, known: ['demo'] }));
  process.exit(2);
}
const model = await startScriptedModel({
  port: Number(values.port),
  host: values.host,
  script: demoScript({ file: values.file, server: values.server }),
});
console.log(JSON.stringify({ msg: 'model-fake ready', url: model.url, script: values.script }));

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    return;
  }
  stopping = true;
  model.close().then(
    () => {
      console.log(JSON.stringify({ msg: 'model-fake stopped', signal, requests: model.requests.length }));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(JSON.stringify({ msg: 'model-fake stop failed', error: String(err) }));
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
