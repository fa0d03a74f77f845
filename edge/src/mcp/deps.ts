import type { RunTool } from '@stageline/policy';
import type { Db } from '../db/client.ts';
import type { RunSpecRow } from '../db/run-token-repo.ts';
import type { ApprovalKeys } from '../domain/approvals.ts';
import type { Effect } from '../domain/effects.ts';
import type { RunnerSpec } from '../domain/runner-spec.ts';
import type { GitHubClient, RepoRef } from '../github/github-client.ts';
import type { Logger } from '../lib/log.ts';

/** What every tool of one request sees: the calling run and the edge's ports. */
export interface ToolDeps {
  db: Db;
  run: { id: string; correlationId: string; attemptNo: number; scope: readonly RunTool[] };
  row: RunSpecRow;
  spec: RunnerSpec;
  /** The run's repository for the App's client; null without an installation. */
  repo: RepoRef | null;
  github: GitHubClient | undefined;
  consoleUrl: string | null;
  /** Seal and derive secrets (lib/crypto.ts). */
  keys: { secretSyncKey: string };
  /** Environments that may have project databases (`STAGELINE_PROJECT_DB_LIFECYCLE_ALLOWED_ENVS`). */
  databaseEnvironments: readonly string[];
  /** How requests are sealed and how long they wait for a decision. */
  approvals: ApprovalKeys;
  /** Carry out effects after the tool's transaction committed (the edge's one pipeline). */
  emit(effects: readonly Effect[]): void;
  log: Logger;
  now: () => Date;
}

/** A tool's answer: text for the model, the same data as structured content. */
export function toolResult(data: Record<string, unknown>): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown> } {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** A tool error the model can read and act on (not a protocol error). */
export function toolError(message: string): { content: Array<{ type: 'text'; text: string }>; isError: true } {
  return { content: [{ type: 'text', text: message }], isError: true };
}
