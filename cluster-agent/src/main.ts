/**
 * Process entry: the only module that touches `process`. Parses
 * the environment, turns SIGTERM/SIGINT into an abort, and sets the exit code:
 * a bad config or a start-up failure exits 1 so Kubernetes restarts the pod.
 *
 * `--sweep-once` (the chart's optional CronJob, docs/domain.md §5.8) runs one
 * namespace sweep, prints its JSON summary line and exits 0; a sweep the edge
 * could not be asked for deletes nothing and still exits 0 (the next run
 * tries again), a Kubernetes failure exits 1.
 */
import { hostname } from 'node:os';
import { formatConfigError, parseConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { run, sweepOnce } from './run.ts';

async function sweepMode(config: Config, log: Logger): Promise<number> {
  try {
    await sweepOnce(config, { log });
    return 0;
  } catch (error) {
    log.error('namespace sweep failed', { component: 'main', error });
    return 1;
  }
}

async function main(): Promise<number> {
  const parsed = parseConfig(process.env, { hostname: hostname() });
  if (!parsed.ok) {
    process.stderr.write(formatConfigError(parsed.error));
    return 1;
  }
  const config = parsed.value;
  const log = createLogger({ level: config.logLevel });
  if (process.argv.slice(2).includes('--sweep-once')) {
    return sweepMode(config, log);
  }
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
