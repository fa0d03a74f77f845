#!/usr/bin/env node
/**
 * `stageline-runner`: the program a run's Job runs. The only place that
 * reads `process.*`: configuration, the model key, signals, the exit code.
 */
import { ConfigError, readConfig, type RunnerConfig } from './config.ts';
import { createEdgeClient } from './edge-client.ts';
import { createClaudeEngine } from './engines/claude.ts';
import { createCodexEngine } from './engines/codex.ts';
import type { EngineName } from './engines/engine.ts';
import { createEventStream } from './event-stream.ts';
import { EXIT_CODES } from './outcome.ts';
import { runRunner } from './run-runner.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);
let config: RunnerConfig;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  print(JSON.stringify({ level: 'error', msg: error.message }));
  process.exit(EXIT_CODES.runner_error);
}
const edge = createEdgeClient({ edgeUrl: config.edgeUrl, tokenFile: config.tokenFile });
const events = createEventStream(edge, { flushMs: config.eventFlushMs, print });
const idle = Number(process.env['STAGELINE_MODEL_IDLE_TIMEOUT_MS'] ?? 300_000);
// The key comes from the run Secret by secretKeyRef (or a provider's own variable); it is handed to the engine and nowhere else.
const keys = {
  codex: process.env['STAGELINE_OPENAI_API_KEY'] ?? process.env['OPENAI_API_KEY'],
  claude: process.env['ANTHROPIC_API_KEY'] ?? process.env['STAGELINE_OPENAI_API_KEY'],
};
for (const name of ['STAGELINE_OPENAI_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'STAGELINE_MCP_BEARER_TOKEN']) {
  delete process.env[name];
}
// The project's engine (run spec) over the cluster's default (STAGELINE_RUNNER_ENGINE, default codex).
const engineFor = (name: EngineName) => ({
  engine: name === 'claude' ? createClaudeEngine() : createCodexEngine({ streamIdleTimeoutMs: Number.isFinite(idle) && idle > 0 ? idle : 300_000 }),
  apiKey: keys[name],
});

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const outcome = await runRunner({ config, edge, events, engineFor, locale: process.env['STAGELINE_PROMPT_LOCALE'] ?? 'en', peakRssMb });
const detail = outcome.outcome === 'failed' ? { reason: outcome.reason } : outcome.outcome === 'waiting' ? { wait_reason: outcome.waitReason } : { pull_request_url: outcome.pullRequestUrl };
print(JSON.stringify({ level: outcome.outcome === 'failed' ? 'error' : 'info', msg: `runner ${outcome.outcome}`, ...detail }));
// A parked run's Job succeeds: the attempt is over, the run waits on (the edge parks it).
process.exit(EXIT_CODES[outcome.outcome === 'failed' ? outcome.kind : 'succeeded']);
