/**
 * The run page's story of a run, from `GET …/timeline` (docs/domain.md §8.2):
 *
 *   timeline   the audit events (`run.claimed`, `run.wait.parked`, decisions…)
 *              and the runner's milestones (`phase`, `session_started`,
 *              `finished`, `warning`), merged in time order;
 *   activity   what the agent said (`agent_message`) and did (`tool_call`);
 *   usage      the tokens of every `usage` event, summed.
 *
 * Runner event kinds and payloads are the runner's (runner/src/engines/engine.ts
 * `RunnerEventKind`, run-runner.ts, engines/*-events.ts). An unknown kind is
 * shown in the timeline under its own name rather than dropped.
 */
import type { FlowEvent, RunnerEvent } from './run-detail-api.ts';
import { isRecord } from './run.ts';

export type TimelineEntry = {
  key: string;
  at: string;
  source: 'audit' | 'runner';
  /** `run.claimed`, `phase workspace`, `finished succeeded`… */
  title: string;
  /** Who did it (`system`, `human:octocat`) for audit events; `attempt 2` for the runner's. */
  actor: string;
  /** Short `key=value` facts from the payload. */
  detail: string;
  tone: 'neutral' | 'good' | 'bad' | 'wait';
};

export type ActivityEntry =
  | { key: string; at: string; attempt: number; kind: 'message'; text: string }
  | { key: string; at: string; attempt: number; kind: 'tool'; tool: string; command: string | null; status: string | null; exitCode: number | null };

export type TokenUsage = { input: number; cachedInput: number; output: number };

const ACTIVITY_KINDS: ReadonlySet<string> = new Set(['agent_message', 'tool_call', 'usage']);
const MAX_FACTS = 6;
const MAX_FACT_LENGTH = 120;

export function toTimeline(flowEvents: readonly FlowEvent[], runnerEvents: readonly RunnerEvent[]): TimelineEntry[] {
  const audit = flowEvents.map(
    (event): TimelineEntry => ({
      key: `flow:${event.id}`,
      at: event.at,
      source: 'audit',
      title: event.event_type,
      actor: event.actor_id === null ? event.actor_type : `${event.actor_type}:${event.actor_id}`,
      detail: toFacts(event.payload, []),
      tone: toneOfEventType(event.event_type),
    }),
  );
  const runner = runnerEvents
    .filter((event) => !ACTIVITY_KINDS.has(event.kind))
    .map((event): TimelineEntry => {
      const payload = isRecord(event.payload) ? event.payload : {};
      const named = event.kind === 'phase' ? payload['phase'] : event.kind === 'finished' ? payload['outcome'] : undefined;
      const title = typeof named === 'string' ? `${event.kind} ${named}` : event.kind;
      return {
        key: `runner:${event.attempt_no}:${event.seq}`,
        at: event.at,
        source: 'runner',
        title,
        actor: `attempt ${event.attempt_no}`,
        detail: toFacts(payload, ['phase', 'outcome']),
        tone: event.kind === 'warning' ? 'bad' : event.kind === 'finished' ? toneOfOutcome(named) : 'neutral',
      };
    });
  return [...audit, ...runner].sort(byTime);
}

export function toActivity(runnerEvents: readonly RunnerEvent[]): ActivityEntry[] {
  const entries: ActivityEntry[] = [];
  for (const event of runnerEvents) {
    const payload = isRecord(event.payload) ? event.payload : {};
    const key = `runner:${event.attempt_no}:${event.seq}`;
    if (event.kind === 'agent_message') {
      entries.push({ key, at: event.at, attempt: event.attempt_no, kind: 'message', text: stringOf(payload['text']) ?? '' });
    } else if (event.kind === 'tool_call') {
      entries.push({
        key,
        at: event.at,
        attempt: event.attempt_no,
        kind: 'tool',
        tool: stringOf(payload['tool']) ?? 'tool',
        command: stringOf(payload['command']),
        status: stringOf(payload['status']),
        exitCode: Number.isInteger(payload['exit_code']) ? Number(payload['exit_code']) : null,
      });
    }
  }
  return entries;
}

export function toTokenUsage(runnerEvents: readonly RunnerEvent[]): TokenUsage | null {
  const usage = runnerEvents.filter((event) => event.kind === 'usage' && isRecord(event.payload));
  if (usage.length === 0) {
    return null;
  }
  const sum = (field: string): number =>
    usage.reduce((total, event) => total + (isRecord(event.payload) && Number.isFinite(event.payload[field]) ? Number(event.payload[field]) : 0), 0);
  return { input: sum('input_tokens'), cachedInput: sum('cached_input_tokens'), output: sum('output_tokens') };
}

/** Runner events after `held`, by `(attempt, seq)`: a poll may overlap the last one. */
export function appendRunnerEvents(held: readonly RunnerEvent[], page: readonly RunnerEvent[]): RunnerEvent[] {
  const seen = new Set(held.map((event) => `${event.attempt_no}:${event.seq}`));
  const fresh = page.filter((event) => !seen.has(`${event.attempt_no}:${event.seq}`));
  return fresh.length === 0 ? [...held] : [...held, ...fresh].sort((a, b) => a.attempt_no - b.attempt_no || a.seq - b.seq);
}

/** `attempt:seq` of the newest held runner event: where the next timeline poll starts. */
export function nextAfterOf(held: readonly RunnerEvent[]): string | null {
  const last = held.at(-1);
  return last === undefined ? null : `${last.attempt_no}:${last.seq}`;
}

function byTime(a: TimelineEntry, b: TimelineEntry): number {
  return Date.parse(a.at) - Date.parse(b.at);
}

function toneOfEventType(type: string): TimelineEntry['tone'] {
  if (/succeeded|approved|resumed/.test(type)) {
    return 'good';
  }
  if (/failed|timed_out|canceled|cancel|denied|expired|warning|stale/.test(type)) {
    return 'bad';
  }
  return /wait|parked|paused|requested|owner_review/.test(type) ? 'wait' : 'neutral';
}

function toneOfOutcome(outcome: unknown): TimelineEntry['tone'] {
  return outcome === 'succeeded' ? 'good' : outcome === 'waiting' ? 'wait' : 'bad';
}

/** `key=value` pairs of a payload's plain fields, short and in order. */
function toFacts(payload: unknown, skip: readonly string[]): string {
  if (!isRecord(payload)) {
    return '';
  }
  return Object.entries(payload)
    .filter(([key, value]) => !skip.includes(key) && value !== null && ['string', 'number', 'boolean'].includes(typeof value))
    .slice(0, MAX_FACTS)
    .map(([key, value]) => {
      const text = String(value);
      return `${key}=${text.length > MAX_FACT_LENGTH ? `${text.slice(0, MAX_FACT_LENGTH)}…` : text}`;
    })
    .join(' · ');
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
