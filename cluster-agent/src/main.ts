/**
 * Process entry: the only module that touches `process` (STYLE.md §4). Parses
 * the environment, turns SIGTERM/SIGINT into an abort, and sets the exit code:
 * a bad config or a start-up failure exits 1 so Kubernetes restarts the pod.
 */
import { hostname } from 'node:os';
import { formatConfigError, parseConfig } from './config.ts';
import { createLogger } from './lib/log.ts';
import { run } from './run.ts';

async function main(): Promise<number> {
  const parsed = parseConfig(process.env, { hostname: hostname() });
  if (!parsed.ok) {
    process.stderr.write(formatConfigError(parsed.error));
    return 1;
  }
  const config = parsed.value;
  const log = createLogger({ level: config.logLevel });
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    log.info('shutting down', { component: 'main', signal });
    controller.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await run(config, { log, signal: controller.signal });
    return 0;
  } catch (error) {
    log.error('cluster-agent failed', { component: 'main', error });
    return 1;
  }
}

process.exitCode = await main();
