/**
 * Label bootstrap (docs/domain.md §2.1): make every
 * label of the taxonomy exist in a repository, with its colour and
 * description. Idempotent: a second run over an unchanged repository only
 * lists labels.
 *
 * Two ways to run it: `bootstrapLabels` writes directly (one repository on
 * demand: 53 writes fit GitHub's 80 content writes per minute), and
 * `queueLabelBootstrap` reads directly but hands the writes to the
 * installation's GitHubOutbox (onboarding several repositories at once: the
 * outbox paces them under the limit, retries, and never drops one).
 *
 * Ownership rule (decided here, documented in docs/deploy.md):
 * - names compare case-insensitively and trimmed, as GitHub and the policy
 *   do; an existing `RUN:DEV` counts as `run:dev` and is never renamed;
 * - a label whose description starts with `Stageline` is ours (we wrote it):
 *   its colour and description are brought up to date when they differ;
 * - any other existing label is the repository's: never touched, never
 *   deleted. A user takes a label over by editing its description.
 */
import type { LabelDefinition } from '@stageline/policy';
import type { OutboxWriteInput } from '../domain/github-writes.ts';
import type { GitHubClient, GitHubError, Label, RepoRef } from './github-client.ts';

/** Descriptions of labels the bootstrap wrote start with this (see policy labelDefinitions). */
export const OWNED_DESCRIPTION_PREFIX = 'Stageline';

export interface LabelPlan {
  create: LabelDefinition[];
  /** `name` is the label's current name on GitHub (its case is kept). */
  update: { name: string; color: string; description: string }[];
  /** Taxonomy names present and left alone (up to date, or owned by the repository). */
  kept: string[];
}

const key = (name: string): string => name.trim().toLowerCase();

export function isOwnedLabel(label: Pick<Label, 'description'>): boolean {
  return (label.description ?? '').startsWith(OWNED_DESCRIPTION_PREFIX);
}

/** Pure: what to create and what to refresh, given the repository's labels. */
export function planLabelBootstrap(existing: readonly Pick<Label, 'name' | 'color' | 'description'>[], definitions: readonly LabelDefinition[]): LabelPlan {
  const byName = new Map(existing.map((l) => [key(l.name), l]));
  const plan: LabelPlan = { create: [], update: [], kept: [] };
  const seen = new Set<string>();
  for (const def of definitions) {
    const k = key(def.name);
    if (seen.has(k)) {
      continue;
    }
    seen.add(k);
    const current = byName.get(k);
    if (current === undefined) {
      plan.create.push(def);
    } else if (isOwnedLabel(current) && (current.color.toLowerCase() !== def.color.toLowerCase() || (current.description ?? '') !== def.description)) {
      plan.update.push({ name: current.name, color: def.color, description: def.description });
    } else {
      plan.kept.push(current.name);
    }
  }
  return plan;
}

export type BootstrapResult =
  | { ok: true; created: string[]; updated: string[]; kept: number }
  /** Stopped at the first failure; what was done before it stays done (a rerun continues). */
  | { ok: false; created: string[]; updated: string[]; error: GitHubError; label: string | null };

/**
 * Create the missing labels and refresh ours. Sequential on purpose: GitHub's
 * secondary limits count content writes per minute, and the 53 labels stay
 * under that for one repository. A 422 `already_exists` on create (a label
 * made meanwhile) counts as done.
 */
export async function bootstrapLabels(client: GitHubClient, repo: RepoRef, definitions: readonly LabelDefinition[]): Promise<BootstrapResult> {
  const listed = await client.listRepoLabels(repo, { maxPages: 20 });
  if (!listed.ok) {
    return { ok: false, created: [], updated: [], error: listed.error, label: null };
  }
  const plan = planLabelBootstrap(listed.value, definitions);
  const created: string[] = [];
  const updated: string[] = [];
  for (const def of plan.create) {
    const res = await client.createLabel(repo, def);
    if (!res.ok && res.error.kind !== 'unprocessable') {
      return { ok: false, created, updated, error: res.error, label: def.name };
    }
    if (res.ok) {
      created.push(def.name);
    }
  }
  for (const patch of plan.update) {
    const res = await client.updateLabel(repo, patch.name, { color: patch.color, description: patch.description });
    if (!res.ok) {
      return { ok: false, created, updated, error: res.error, label: patch.name };
    }
    updated.push(patch.name);
  }
  return { ok: true, created, updated, kept: plan.kept.length };
}

export type QueueBootstrapResult = { ok: true; queued: number; kept: number } | { ok: false; error: GitHubError };

/** List the labels now, queue the creates and refreshes in the installation's outbox (`enqueue`). */
export async function queueLabelBootstrap(
  client: GitHubClient,
  repo: RepoRef,
  definitions: readonly LabelDefinition[],
  enqueue: (writes: OutboxWriteInput[]) => Promise<unknown>,
): Promise<QueueBootstrapResult> {
  const listed = await client.listRepoLabels(repo, { maxPages: 20 });
  if (!listed.ok) {
    return { ok: false, error: listed.error };
  }
  const plan = planLabelBootstrap(listed.value, definitions);
  const { installationId: _, ...target } = repo;
  const writes: OutboxWriteInput[] = [
    ...plan.create.map((label): OutboxWriteInput => ({ kind: 'create-label', repo: target, label })),
    ...plan.update.map((u): OutboxWriteInput => ({ kind: 'update-label', repo: target, ...u })),
  ];
  if (writes.length > 0) {
    await enqueue(writes);
  }
  return { ok: true, queued: writes.length, kept: plan.kept.length };
}
