/**
 * The runner's phases (docs/architecture.md, "The runner"), each reported to
 * the edge as a `phase` event: spec → workspace → prompt → agent → scope →
 * push → pull request → session → finished. Failures carry their kind to the
 * `finished` event and the exit code (outcome.ts).
 */
import { scopeViolations, type WriteScope } from '@stageline/policy';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunnerConfig } from './config.ts';
import { EdgeError, expectOk, type EdgeClient } from './edge-client.ts';
import type { Engine, EngineName, EngineOutcome } from './engines/engine.ts';
import { startMcpProxy } from './mcp-proxy.ts';
import type { EventStream } from './event-stream.ts';
import { createGitCredentials, type GitCredentials } from './git/credentials.ts';
import { git, GitError } from './git/git.ts';
import { PushRefused, pushRunBranch } from './git/push.ts';
import { engineFailure, RunFailure, type RunOutcome } from './outcome.ts';
import { renderPrompt } from './prompt/render-prompt.ts';
import { loadSession, saveSession } from './session-store.ts';
import { runnerSpecSchema, type RunnerSpec } from './spec.ts';
import { changedPaths, prepareWorkspace, unrestoreConfig, type Workspace } from './workspace.ts';

export interface RunnerDeps {
  config: RunnerConfig;
  edge: EdgeClient;
  events: EventStream;
  /** The engine by name with its model key; the spec's project choice wins over `config.engine`. */
  engineFor: (name: EngineName) => { engine: Engine; apiKey: string | undefined };
  /** The prompt locale when the project sets none. */
  locale: string;
  /** Peak resident memory of the runner process so far, MiB (reported with `finished`). */
  peakRssMb: () => number;
}

const phase = (events: EventStream, name: string, extra: Record<string, unknown> = {}) => events.emit({ kind: 'phase', data: { phase: name, ...extra } });

async function fetchSpec(edge: EdgeClient): Promise<RunnerSpec> {
  const body = await expectOk(edge.call('GET', '/runner/v1/run'), 'run spec');
  return runnerSpecSchema.parse(body);
}

async function commitAll(creds: GitCredentials, ws: Workspace, message: string): Promise<boolean> {
  const staged = await git(creds.env, ws.dir, ['diff', '--cached', '--name-only']);
  if (staged.trim() === '') {
    return false;
  }
  await git(creds.env, ws.dir, ['commit', '--quiet', '--no-verify', '-m', message]);
  return true;
}

async function runPhases(deps: RunnerDeps, creds: GitCredentials, spec: RunnerSpec, scratch: string): Promise<RunOutcome> {
  const { events, config } = deps;
  const { engine, apiKey } = deps.engineFor(spec.agent.engine ?? config.engine);
  phase(events, 'workspace', { branch: spec.write.branch });
  const ws = await prepareWorkspace(creds, spec, config.workspace);

  const home = path.join(scratch, `${engine.name}-home`);
  // A revise, a continued branch or an attempt after a wait goes on from the stored session.
  const stored = spec.stage.prompt_kind === 'revise' || ws.continued || spec.resume !== null ? await loadSession(deps.edge, engine.name, home) : null;
  const resume = stored !== null && stored.sessionId !== '' ? stored.sessionId : null;
  phase(events, 'prompt', { template_resume: resume !== null });
  const prompt = renderPrompt({ spec, locale: spec.agent.locale ?? deps.locale, agentsMd: ws.agentsMd });

  phase(events, 'agent', { engine: engine.name, model: spec.model.name, resumed: resume !== null });
  // The engine's MCP client talks to a loopback proxy that sends the current run token (mcp-proxy.ts).
  const proxy = await startMcpProxy({ edgeMcpUrl: spec.mcp.url.startsWith('http') ? spec.mcp.url : `${config.edgeUrl}/mcp`, token: () => deps.edge.token() });
  let result: EngineOutcome;
  try {
    result = await engine.run({
      workdir: ws.dir,
      home,
      prompt,
      model: spec.model.name,
      reasoningEffort: spec.model.reasoning_effort,
      mcp: { url: proxy.url, tools: spec.mcp.tools },
      runToken: proxy.secret,
      modelBaseUrl: config.modelBaseUrl,
      apiKey,
      timeoutMs: config.agentTimeoutMs,
      resumeSessionId: resume,
      onEvent: (e) => events.emit(e),
    });
  } finally {
    await proxy.close();
  }
  // The session is stored even when the turn failed: a later revise can continue from it.
  const saved = await saveSession(deps.edge, { engine: engine.name, home, dir: engine.sessionDir, sessionId: result.sessionId, expectedVersion: stored?.version ?? 0 });
  events.emit({ kind: 'phase', data: { phase: 'session', saved } });
  if (!result.ok) {
    throw engineFailure(result.reason);
  }

  // Did the turn end on a question or an approval? Then park: keep the work, let the Job end.
  const wait = (await fetchSpec(deps.edge)).wait;
  if (wait !== null) {
    return park(deps, creds, spec, ws, result.lastMessage, wait.reason);
  }
  if (!spec.write.commits) {
    return { outcome: 'succeeded', summary: result.lastMessage, pullRequestUrl: null, changed: 0 };
  }
  phase(events, 'scope');
  await unrestoreConfig(creds, ws);
  const changed = await changedPaths(creds, ws);
  const outside = scopeViolations(spec.stage.write_scope as WriteScope, changed);
  if (outside.length > 0) {
    throw new RunFailure('scope_violation', outside.slice(0, 20).join(', ') + (outside.length > 20 ? ` and ${outside.length - 20} more` : ''));
  }
  if (changed.length === 0 || spec.write.branch === null) {
    return { outcome: 'succeeded', summary: result.lastMessage, pullRequestUrl: null, changed: 0 };
  }
  const title = spec.issue === null ? `${spec.stage.trigger_label}` : `${spec.issue.title} (#${spec.issue.number})`;
  await commitAll(creds, ws, `${spec.stage.trigger_label}: ${title}\n\n${result.lastMessage}`.slice(0, 4000));

  phase(events, 'push', { branch: spec.write.branch, files: changed.length });
  await pushRunBranch(creds, { cwd: ws.dir, remoteUrl: spec.repository.clone_url, runBranch: spec.write.branch, ref: `refs/heads/${spec.write.branch}` });

  let pullRequestUrl: string | null = null;
  if (spec.write.opens_pull_request) {
    phase(events, 'pull_request');
    const pr = await expectOk(deps.edge.call<{ number: number; url: string }>('POST', '/runner/v1/pull-request', { title, summary: result.lastMessage }), 'pull request');
    pullRequestUrl = pr.url;
  }
  return { outcome: 'succeeded', summary: result.lastMessage, pullRequestUrl, changed: changed.length };
}

/**
 * The run waits for a person: the work so far (in scope) is pushed to the
 * run's branch as a work-in-progress commit, so the next attempt continues
 * it; no pull request is opened yet.
 */
async function park(deps: RunnerDeps, creds: GitCredentials, spec: RunnerSpec, ws: Workspace, summary: string, waitReason: string): Promise<RunOutcome> {
  phase(deps.events, 'waiting', { reason: waitReason });
  if (spec.write.commits && spec.write.branch !== null) {
    await unrestoreConfig(creds, ws);
    const changed = await changedPaths(creds, ws);
    const outside = scopeViolations(spec.stage.write_scope as WriteScope, changed);
    if (outside.length > 0) {
      throw new RunFailure('scope_violation', outside.slice(0, 20).join(', '));
    }
    if (changed.length > 0 && (await commitAll(creds, ws, `${spec.stage.trigger_label}: work in progress (waiting: ${waitReason})`))) {
      await pushRunBranch(creds, { cwd: ws.dir, remoteUrl: spec.repository.clone_url, runBranch: spec.write.branch, ref: `refs/heads/${spec.write.branch}` });
    }
  }
  return { outcome: 'waiting', summary, waitReason };
}

function toFailure(error: unknown): RunFailure {
  if (error instanceof RunFailure) {
    return error;
  }
  if (error instanceof PushRefused) {
    return new RunFailure('push_refused', error.message);
  }
  if (error instanceof GitError) {
    return new RunFailure('git_error', error.message);
  }
  if (error instanceof EdgeError) {
    return new RunFailure('edge_error', error.message);
  }
  return new RunFailure('runner_error', error instanceof Error ? error.message : String(error));
}

/** Run every phase; never throws: the outcome says how it ended. */
export async function runRunner(deps: RunnerDeps): Promise<RunOutcome> {
  const { events, config } = deps;
  // A short private directory: git's credential socket path must stay under the OS limit (108 bytes).
  const scratch = await mkdtemp(path.join(tmpdir(), 'slr-'));
  let creds: GitCredentials | null = null;
  try {
    phase(events, 'spec');
    const spec = await fetchSpec(deps.edge);
    creds = await createGitCredentials(deps.edge, { home: scratch, author: config.author }, scratch);
    const outcome = await runPhases(deps, creds, spec, scratch);
    if (outcome.outcome === 'waiting') {
      events.emit({ kind: 'finished', data: { outcome: 'waiting', wait_reason: outcome.waitReason, rss_peak_mb: deps.peakRssMb() } });
    } else {
      events.emit({ kind: 'finished', data: { outcome: 'succeeded', pull_request_url: outcome.outcome === 'succeeded' ? outcome.pullRequestUrl : null, rss_peak_mb: deps.peakRssMb() } });
    }
    return outcome;
  } catch (error) {
    const failure = toFailure(error);
    const reason = `${failure.kind}: ${failure.detail}`.slice(0, 500);
    events.emit({ kind: 'finished', data: { outcome: 'failed', kind: failure.kind, reason, rss_peak_mb: deps.peakRssMb() } });
    return { outcome: 'failed', kind: failure.kind, reason };
  } finally {
    await creds?.close();
    await events.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
