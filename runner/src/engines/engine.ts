/**
 * One interface for the coding-agent CLIs the runner drives, and the
 * normalized event stream they all emit (docs/architecture.md, "The runner").
 */

export type EngineName = 'codex' | 'claude';

export type RunnerEventKind = 'phase' | 'session_started' | 'agent_message' | 'tool_call' | 'usage' | 'finished' | 'warning';

export interface RunnerEvent {
  kind: RunnerEventKind;
  data: Record<string, unknown>;
}

export interface EngineInput {
  /** The repository checkout the agent works in. */
  workdir: string;
  /** The engine's private home (its config, session files); created by the runner. */
  home: string;
  prompt: string;
  model: string;
  reasoningEffort: string;
  mcp: { url: string; tools: readonly string[] };
  /** The MCP bearer, given to the engine's MCP client only: the loopback proxy's secret (mcp-proxy.ts), not the run token. */
  runToken: string;
  /** A provider-compatible endpoint (a proxy, the scripted model); undefined = the vendor's API. */
  modelBaseUrl: string | undefined;
  /** The model API key; never reaches the agent's shells. */
  apiKey: string | undefined;
  timeoutMs: number;
  /** The conversation to continue (its files already restored into `home`). */
  resumeSessionId: string | null;
  onEvent(event: RunnerEvent): void;
}

export type EngineOutcome = { ok: true; sessionId: string | null; lastMessage: string } | { ok: false; sessionId: string | null; reason: string };

export interface Engine {
  readonly name: EngineName;
  run(input: EngineInput): Promise<EngineOutcome>;
  /** The directory under `home` holding the session files to store, relative to `home`. */
  readonly sessionDir: string;
}
