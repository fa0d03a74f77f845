#!/usr/bin/env node
/**
 * `node kubesim/src/cli.ts --port 0 --kubeconfig /path/kubeconfig.yaml`
 * Prints one JSON line once ready and stops cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startKubeSim } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    kubeconfig: { type: 'string' },
    'work-dir': { type: 'string' },
    'pod-start-delay-ms': { type: 'string' },
    token: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const sim = await startKubeSim({
  port: Number(values.port),
  host: values.host,
  workDir: values['work-dir'],
  podStartDelayMs: values['pod-start-delay-ms'] === undefined ? undefined : Number(values['pod-start-delay-ms']),
  token: values.token,
  log: values.verbose ? (msg, fields) => console.error(JSON.stringify({ msg, ...fields })) : undefined,
});
if (values.kubeconfig) {
  await sim.writeKubeconfig(values.kubeconfig);
}
console.log(JSON.stringify({ msg: 'kubesim ready', url: sim.url, kubeconfig: values.kubeconfig ?? null }));

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    return;
  }
  stopping = true;
  sim.close().then(
    () => {
      console.log(JSON.stringify({ msg: 'kubesim stopped', signal }));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(JSON.stringify({ msg: 'kubesim stop failed', error: String(err) }));
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
