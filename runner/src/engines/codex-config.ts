/**
 * `CODEX_HOME/config.toml` for one run, as a pure function: no approvals (the
 * pod is the sandbox), the run's model and effort, the edge's MCP server with
 * the run's tools only, and shells that do not inherit tokens or keys.
 */

export interface CodexConfigInput {
  model: string;
  reasoningEffort: string;
  mcpUrl: string;
  tools: readonly string[];
  /** Env var names codex reads the secrets from (set in the CLI's env only). */
  tokenEnv: string;
  apiKeyEnv: string;
  /** A Responses-API-compatible endpoint; undefined = OpenAI's. */
  modelBaseUrl: string | undefined;
  /** How long codex waits on a silent model stream before it gives up (ms). */
  streamIdleTimeoutMs: number;
}

const str = (value: string): string => JSON.stringify(value);
const list = (values: readonly string[]): string => `[${values.map(str).join(', ')}]`;

/** Names the agent's shells never see (codex's own env keeps them). */
export const SHELL_ENV_EXCLUDE = ['*TOKEN*', '*KEY*', '*SECRET*', '*PASSWORD*', 'STAGELINE_*', 'GIT_ASKPASS', 'SSH_AUTH_SOCK'];

export function codexConfigToml(c: CodexConfigInput): string {
  const effort = ['minimal', 'low', 'medium', 'high', 'xhigh'].includes(c.reasoningEffort) ? c.reasoningEffort : 'medium';
  const provider = c.modelBaseUrl === undefined ? 'openai' : 'stageline';
  const lines = [
    `model = ${str(c.model)}`,
    `model_reasoning_effort = ${str(effort)}`,
    `model_provider = ${str(provider)}`,
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    '',
  ];
  if (c.modelBaseUrl !== undefined) {
    lines.push(
      '[model_providers.stageline]',
      'name = "stageline"',
      `base_url = ${str(c.modelBaseUrl)}`,
      'wire_api = "responses"',
      `env_key = ${str(c.apiKeyEnv)}`,
      // A model error should fail the run soon, with its reason, not after codex's default retries.
      'request_max_retries = 1',
      'stream_max_retries = 1',
      `stream_idle_timeout_ms = ${Math.max(1000, Math.floor(c.streamIdleTimeoutMs))}`,
      '',
    );
  }
  lines.push(
    '[mcp_servers.stageline]',
    `url = ${str(c.mcpUrl)}`,
    `bearer_token_env_var = ${str(c.tokenEnv)}`,
    'required = true',
    `enabled_tools = ${list(c.tools)}`,
    '',
    '[shell_environment_policy]',
    'inherit = "core"',
    'ignore_default_excludes = false',
    `exclude = ${list(SHELL_ENV_EXCLUDE)}`,
    '',
  );
  return lines.join('\n');
}
