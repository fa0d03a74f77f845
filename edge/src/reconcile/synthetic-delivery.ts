/**
 * Re-evaluating a `run:*` label whose `issues.labeled` delivery never reached
 * the edge (pure). The reconciler rebuilds the delivery from what GitHub
 * still knows: the issue, and the issue's latest `labeled` event for that
 * label (its actor is the sender the actor guard checks, its time makes the
 * delivery id). The id is deterministic — UUIDv5 over repository, issue,
 * label and labeled-at — so re-evaluating the same label event on every tick
 * stores one delivery and creates at most one run (docs/domain.md §3.9: the
 * delivery id is the correlation id).
 */
import { normalizeLabel } from '@stageline/policy';
import type { Issue, IssueEvent } from '../github/github-client.ts';

/** RFC 4122 URL namespace (as docs/domain.md §3.9 uses for its UUIDv5 keys). */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** The newest `labeled` event adding `label` (case-insensitive), or null. */
export function latestLabeledEvent(events: readonly IssueEvent[], label: string): IssueEvent | null {
  let latest: IssueEvent | null = null;
  for (const e of events) {
    if (e.event === 'labeled' && e.label !== undefined && normalizeLabel(e.label.name) === normalizeLabel(label)) {
      if (latest === null || Date.parse(e.created_at) >= Date.parse(latest.created_at)) {
        latest = e;
      }
    }
  }
  return latest;
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** UUIDv5 (SHA-1, RFC 4122 §4.3). */
export async function uuidV5(namespace: string, name: string): Promise<string> {
  const ns = hexToBytes(namespace.replace(/-/g, ''));
  const text = new TextEncoder().encode(name);
  const data = new Uint8Array(ns.length + text.length);
  data.set(ns);
  data.set(text, ns.length);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', data)).slice(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface SyntheticLabelInput {
  installationId: number;
  repository: { id: number; fullName: string };
  issue: Issue;
  label: string;
  event: IssueEvent & { actor: NonNullable<IssueEvent['actor']> };
}

/** `reconcile-` + UUIDv5(URL, `issues.labeled|<repo lower>|<issue>|<label lower>|<labeled-at>`): fits X-GitHub-Delivery's syntax. */
export async function syntheticDeliveryId(input: Pick<SyntheticLabelInput, 'repository' | 'label'> & { issueNumber: number; labeledAt: string }): Promise<string> {
  const name = `issues.labeled|${input.repository.fullName.toLowerCase()}|${input.issueNumber}|${normalizeLabel(input.label)}|${new Date(input.labeledAt).toISOString()}`;
  return `reconcile-${await uuidV5(URL_NAMESPACE, name)}`;
}

/**
 * The fields of an `issues.labeled` payload the edge reads (webhook-facts.ts),
 * plus a `stageline_reconciled` marker so the stored delivery says where it came from.
 */
export function syntheticLabeledPayload(input: SyntheticLabelInput): Record<string, unknown> {
  const [owner = '', name = ''] = input.repository.fullName.split('/');
  const labels = input.issue.labels.map((l) => ({ name: typeof l === 'string' ? l : (l.name ?? '') })).filter((l) => l.name !== '');
  return {
    action: 'labeled',
    label: { name: input.label },
    issue: { id: input.issue.id ?? input.issue.number, number: input.issue.number, title: input.issue.title, state: input.issue.state, labels, ...(input.issue.html_url === undefined ? {} : { html_url: input.issue.html_url }) },
    repository: { id: input.repository.id, full_name: input.repository.fullName, name, owner: { login: owner } },
    sender: { id: input.event.actor.id, login: input.event.actor.login, type: input.event.actor.type },
    installation: { id: input.installationId },
    stageline_reconciled: { source: 'reconciler.missing_run', labeled_at: input.event.created_at, issue_event_id: input.event.id },
  };
}
