import { describe, expect, it } from 'vitest';
import { codexConfigToml, SHELL_ENV_EXCLUDE } from '../src/engines/codex-config.ts';

const base = { model: 'gpt-5.4', reasoningEffort: 'high', mcpUrl: 'https://edge.example/mcp', tools: ['run_context', 'run_status_report'], tokenEnv: 'STAGELINE_RUN_TOKEN', apiKeyEnv: 'STAGELINE_MODEL_KEY', streamIdleTimeoutMs: 300_000 };

describe('codexConfigToml', () => {
  it('runs without approvals in the pod sandbox, with the edge MCP server required and only the run\'s tools', () => {
    const toml = codexConfigToml({ ...base, modelBaseUrl: undefined });
    expect(toml).toContain('approval_policy = "never"');
    expect(toml).toContain('sandbox_mode = "danger-full-access"');
    expect(toml).toContain('model_provider = "openai"');
    expect(toml).toContain('[mcp_servers.stageline]\nurl = "https://edge.example/mcp"\nbearer_token_env_var = "STAGELINE_RUN_TOKEN"\nrequired = true\nenabled_tools = ["run_context", "run_status_report"]');
    expect(toml).not.toContain('[model_providers.');
  });

  it('keeps tokens and keys out of the agent\'s shells', () => {
    const toml = codexConfigToml({ ...base, modelBaseUrl: undefined });
    expect(toml).toContain('[shell_environment_policy]\ninherit = "core"');
    for (const pattern of ['*TOKEN*', '*KEY*', '*SECRET*']) {
      expect(SHELL_ENV_EXCLUDE).toContain(pattern);
      expect(toml).toContain(JSON.stringify(pattern));
    }
  });

  it('points a custom provider at the given endpoint with few retries, and quotes values as TOML strings', () => {
    const toml = codexConfigToml({ ...base, model: 'm "quoted"\n', reasoningEffort: 'bogus', modelBaseUrl: 'http://127.0.0.1:9/v1', streamIdleTimeoutMs: 3000 });
    expect(toml).toContain('model = "m \\"quoted\\"\\n"');
    expect(toml).toContain('model_reasoning_effort = "medium"');
    expect(toml).toContain('[model_providers.stageline]\nname = "stageline"\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\nenv_key = "STAGELINE_MODEL_KEY"');
    expect(toml).toContain('stream_idle_timeout_ms = 3000');
    expect(toml).toContain('request_max_retries = 1');
  });
});
