/**
 * The Claude Code adapter: `claude -p` (npm @anthropic-ai/claude-code, pinned in
 * runner/package.json) headless with stream-json output; the edge's MCP server
 * from an MCP config file (mode 0600) that carries the run token as its bearer
 * header, `--strict-mcp-config` so no other server is loaded, and a narrow
 * tool allow-list: file edits, the shell and the run's MCP tools. Resume with
 * `--resume <session id>` after the session files were restored into HOME.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readClaudeLine, type ClaudeState } from './claude-events.ts';
import type { Engine, EngineInput, EngineOutcome } from './engine.ts';
import { engineOutcome, runAgentCli } from './process.ts';

/**
 * The CLI's native binary from its platform package (e.g. `@anthropic-ai/claude-code-linux-x64`).
 * The main package's `bin/claude.exe` is a stub until its postinstall links the binary in, and
 * the repository does not run install scripts (package.json `allowScripts`).
 */
function claudeBinary(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve(`@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`)), 'claude');
  } catch {
    return path.join(path.dirname(require.resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');
  }
}

/** The built-in tools a run may use besides its MCP tools. */
export const CLAUDE_BUILTIN_TOOLS = ['Bash', 'Edit', 'Write', 'Read', 'Glob', 'Grep'];

export function claudeAllowedTools(mcpTools: readonly string[]): string {
  return [...CLAUDE_BUILTIN_TOOLS, ...mcpTools.map((t) => `mcp__stageline__${t}`)].join(',');
}

function claudeEnv(input: EngineInput): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    HOME: input.home,
    TMPDIR: process.env['TMPDIR'],
    ANTHROPIC_API_KEY: input.apiKey ?? 'unused',
    ...(input.modelBaseUrl === undefined ? {} : { ANTHROPIC_BASE_URL: input.modelBaseUrl.replace(/\/v1\/?$/, '') }),
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Otherwise MCP tools hide behind a tool-search tool and are not offered directly.
    ENABLE_TOOL_SEARCH: 'false',
    NO_COLOR: '1',
  };
}

export function createClaudeEngine(): Engine {
  return {
    name: 'claude',
    sessionDir: '.claude',
    async run(input): Promise<EngineOutcome> {
      await mkdir(input.home, { recursive: true, mode: 0o700 });
      const mcpConfig = path.join(input.home, 'stageline-mcp.json');
      const config = { mcpServers: { stageline: { type: 'http', url: input.mcp.url, headers: { Authorization: `Bearer ${input.runToken}` } } } };
      await writeFile(mcpConfig, JSON.stringify(config), { mode: 0o600 });
      const args = [
        '-p',
        input.prompt,
        '--output-format',
        'stream-json',
        '--verbose',
        '--model',
        input.model,
        '--mcp-config',
        mcpConfig,
        '--strict-mcp-config',
        '--allowedTools',
        claudeAllowedTools(input.mcp.tools),
        '--permission-mode',
        'acceptEdits',
        ...(input.resumeSessionId === null ? [] : ['--resume', input.resumeSessionId]),
      ];
      const state: ClaudeState = { sessionId: input.resumeSessionId, lastMessage: '', failure: null, mcpDown: [] };
      const result = await runAgentCli(claudeBinary(), args, { workdir: input.workdir, env: claudeEnv(input), timeoutMs: input.timeoutMs, read: (line) => readClaudeLine(line, state), onEvent: input.onEvent });
      if (!result.timedOut && state.mcpDown.length > 0) {
        return { ok: false, sessionId: state.sessionId, reason: `model_error: MCP server not connected: ${state.mcpDown.join(', ')}` };
      }
      return engineOutcome('claude', result, state, input.timeoutMs);
    },
  };
}
