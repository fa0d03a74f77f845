/**
 * What `GET /runner/v1/run` tells the runner (docs/architecture.md, "The
 * runner"): the run's stage, what it may change, where it works and what the
 * agent is told; never the raw webhook payload or a credential.
 */
import { mcpToolsFor, parseAgentSettings, parseRunSpec, projectBranchName, runLaunchOf, writeScopeRule, type AgentEngine, type AgentSettings, type ResumePayload, type RunSpec, type RunTool } from '@stageline/policy';
import type { RunSpecRow } from '../db/run-token-repo.ts';

export interface RunnerSpec {
  run_id: string;
  correlation_id: string;
  epoch: number;
  attempt_no: number;
  repository: { full_name: string; clone_url: string; default_branch: string };
  issue: { number: number; title: string; body: string } | null;
  pull_request: { number: number; head_ref: string | null; base_ref: string | null } | null;
  stage: { trigger_kind: string; trigger_label: string; agent_key: string; prompt_kind: string; write_scope: string; discussion: boolean };
  write: { commits: boolean; allowed_paths: readonly string[]; branch: string | null; base_branch: string; opens_pull_request: boolean };
  model: { name: string; reasoning_effort: string };
  /** The project's choices; null: the cluster's default (the Job's environment). */
  agent: { engine: AgentEngine | null; locale: string | null };
  /** Set while the run waits for a person (the runner then parks: saves the session and ends the Job). */
  wait: { reason: string; target: string } | null;
  /** How the last wait ended, for an attempt that resumes after it (put before the resume prompt). */
  resume: ResumePayload | null;
  mcp: { url: string; tools: string[] };
  launch: ReturnType<typeof runLaunchOf>;
}

/** The clone URL of a repository for the App's API URL: github.com, GitHub Enterprise (`/api/v3`) or a GitHub-compatible host serving git at its root. */
export function cloneUrlOf(apiUrl: string, fullName: string): string {
  const api = apiUrl.replace(/\/+$/, '');
  const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  return `${web}/${fullName}.git`;
}

/** The run's branch: the PR's head for PR-sourced runs, else `<project prefix><n>` (default `codex/issue-<n>`) for stages that commit. */
function branchOf(row: RunSpecRow, spec: RunSpec, commits: boolean, settings: AgentSettings): string | null {
  if (row.branchName !== null) {
    return row.branchName;
  }
  if (spec.pull_request?.head.ref != null) {
    return spec.pull_request.head.ref;
  }
  return commits && row.issueNumber !== null ? projectBranchName(settings, row.issueNumber) : null;
}

export function buildRunnerSpec(row: RunSpecRow, run: { epoch: number; attemptNo: number; scope: readonly RunTool[] }, urls: { apiUrl: string; edgeUrl: string }): RunnerSpec | null {
  const parsed = parseRunSpec(row.runPayload);
  if (!parsed.ok) {
    return null;
  }
  const spec = parsed.value;
  const rule = writeScopeRule(spec.stage.write_scope);
  // A bad settings row falls back field by field to the cluster's defaults rather than stopping the run.
  const settings = parseAgentSettings(row.agentSettings).value;
  const defaultBranch = row.defaultBranch ?? 'main';
  return {
    run_id: row.id,
    correlation_id: row.correlationId,
    epoch: run.epoch,
    attempt_no: run.attemptNo,
    repository: { full_name: row.repositoryFullName, clone_url: cloneUrlOf(urls.apiUrl, row.repositoryFullName), default_branch: defaultBranch },
    issue: spec.issue === null ? null : { number: spec.issue.number, title: spec.issue.title, body: row.issueBody ?? '' },
    pull_request: spec.pull_request === null ? null : { number: spec.pull_request.number, head_ref: spec.pull_request.head.ref, base_ref: spec.pull_request.base.ref },
    stage: {
      trigger_kind: row.triggerKind,
      trigger_label: row.triggerLabel,
      agent_key: row.agentKey,
      prompt_kind: spec.stage.prompt_kind,
      write_scope: spec.stage.write_scope,
      discussion: spec.discussion_mode,
    },
    write: {
      commits: rule.commits,
      allowed_paths: rule.allowed,
      branch: branchOf(row, spec, rule.commits, settings),
      base_branch: spec.pull_request?.base.ref ?? defaultBranch,
      opens_pull_request: rule.commits && spec.stage.pr_output,
    },
    model: { name: spec.profile.model, reasoning_effort: spec.profile.reasoning_effort },
    agent: { engine: settings.engine, locale: settings.locale },
    wait: row.status === 'waiting_mcp' && row.waitReason !== null && row.waitTarget !== null ? { reason: row.waitReason, target: row.waitTarget } : null,
    resume: row.attemptNo > 1 && row.resumePayload !== null ? (row.resumePayload as unknown as ResumePayload) : null,
    mcp: { url: `${urls.edgeUrl}/mcp`, tools: mcpToolsFor(run.scope) },
    launch: runLaunchOf(spec),
  };
}
