/**
 * The codex adapter: `codex exec --json` (npm @openai/codex, pinned in
 * runner/package.json) with a generated CODEX_HOME, the run token and the
 * model key in the CLI's environment only, stdin closed; `codex exec resume
 * <thread>` when an earlier session was restored into CODEX_HOME.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { codexConfigToml } from './codex-config.ts';
import { readCodexLine, type CodexState } from './codex-events.ts';
import type { Engine, EngineInput, EngineOutcome } from './engine.ts';
import { engineOutcome, runAgentCli } from './process.ts';

const TOKEN_ENV = 'STAGELINE_RUN_TOKEN';
const KEY_ENV = 'STAGELINE_MODEL_KEY';

function codexEntry(): string {
  return createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js');
}

/** Only what codex needs from the runner's environment: no Job variables, no other credentials. */
function codexEnv(input: EngineInput): NodeJS.ProcessEnv {
  const base = process.env;
  return {
    PATH: base['PATH'],
    LANG: base['LANG'] ?? 'C.UTF-8',
    HOME: input.home,
    TMPDIR: base['TMPDIR'],
    CODEX_HOME: input.home,
    [TOKEN_ENV]: input.runToken,
    // The vendor provider reads OPENAI_API_KEY; ours reads KEY_ENV.
    ...(input.modelBaseUrl === undefined ? { OPENAI_API_KEY: input.apiKey } : { [KEY_ENV]: input.apiKey ?? 'unused' }),
    NO_COLOR: '1',
  };
}

export function createCodexEngine(options: { streamIdleTimeoutMs: number }): Engine {
  return {
    name: 'codex',
    sessionDir: 'sessions',
    async run(input): Promise<EngineOutcome> {
      await mkdir(input.home, { recursive: true, mode: 0o700 });
      const toml = codexConfigToml({
        model: input.model,
        reasoningEffort: input.reasoningEffort,
        mcpUrl: input.mcp.url,
        tools: input.mcp.tools,
        tokenEnv: TOKEN_ENV,
        apiKeyEnv: KEY_ENV,
        modelBaseUrl: input.modelBaseUrl,
        streamIdleTimeoutMs: options.streamIdleTimeoutMs,
      });
      await writeFile(path.join(input.home, 'config.toml'), toml, { mode: 0o600 });
      const common = ['--json', '--skip-git-repo-check'];
      const args =
        input.resumeSessionId === null
          ? ['exec', ...common, '--sandbox', 'danger-full-access', input.prompt]
          : ['exec', 'resume', ...common, input.resumeSessionId, input.prompt];
      const state: CodexState = { sessionId: input.resumeSessionId, lastMessage: '', failure: null };
      const result = await runAgentCli(process.execPath, [codexEntry(), ...args], { workdir: input.workdir, env: codexEnv(input), timeoutMs: input.timeoutMs, read: (line) => readCodexLine(line, state), onEvent: input.onEvent });
      return engineOutcome('codex', result, state, input.timeoutMs);
    },
  };
}
