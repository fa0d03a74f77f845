/**
 * The runs page's filters (docs/domain.md §8.3), kept in the page's query
 * string so a reload or a shared link shows the same view:
 *
 *   /runs?status=running,waiting_mcp&label=run:dev&repository=acme/widgets
 *        &agent=dev&project=acme&wait_reason=approval_pending
 *        &created_from=2026-03-01&created_to=2026-03-07
 *
 * The keys are the staff API's (`GET /api/v1/staff/runs`, §8.2) with two
 * differences people can read: `project` may be the project's slug, and the
 * dates are whole local days (`created_to` included) rather than instants.
 * Full ISO instants are accepted too, so a link built elsewhere still works.
 *
 * The same filter decides which live `run.status` events the page shows
 * (`matchesRunFilter`), so a realtime change never adds a row the server
 * would not have listed.
 */
import { isRunStatus, type Run, type RunStatus } from './run.ts';
import type { MeProject } from './staff-me.ts';

export type RunFilter = {
  readonly statuses: readonly RunStatus[];
  /** Stages: trigger labels such as `run:dev`. */
  readonly labels: readonly string[];
  /** `owner/name`, exact. */
  readonly repository: string | null;
  readonly agent: string | null;
  /** A project slug (or id). */
  readonly project: string | null;
  readonly waitReason: string | null;
  /** `YYYY-MM-DD` (a local day) or an ISO instant; inclusive. */
  readonly createdFrom: string | null;
  /** `YYYY-MM-DD` (the whole local day is included) or an ISO instant (exclusive). */
  readonly createdTo: string | null;
};

export const EMPTY_RUN_FILTER: RunFilter = Object.freeze({
  statuses: [],
  labels: [],
  repository: null,
  agent: null,
  project: null,
  waitReason: null,
  createdFrom: null,
  createdTo: null,
});

/** The query-string keys, in the order a link shows them. */
export const FILTER_KEYS = ['status', 'label', 'repository', 'agent', 'project', 'wait_reason', 'created_from', 'created_to'] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];

/** What the router's `useSearchParams` gives: a repeated key comes as an array. */
export type QueryValues = Readonly<Record<string, string | readonly string[] | undefined>>;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_TEXT = 200;

/** Reads a filter from the query; unknown statuses, bad dates and empty values are dropped. */
export function parseRunFilter(query: QueryValues): RunFilter {
  const statuses = unique(listOf(query['status']).filter(isRunStatus));
  return {
    statuses,
    labels: unique(listOf(query['label'])),
    repository: textOf(query['repository']),
    agent: textOf(query['agent']),
    project: textOf(query['project']),
    waitReason: textOf(query['wait_reason']),
    createdFrom: dateOf(query['created_from']),
    createdTo: dateOf(query['created_to']),
  };
}

/**
 * The filter as query values for `setSearchParams`: every key is present, an
 * unset one as `undefined` (which removes it from the address).
 */
export function toFilterQuery(filter: RunFilter): Record<FilterKey, string | undefined> {
  const join = (values: readonly string[]): string | undefined => (values.length === 0 ? undefined : values.join(','));
  return {
    status: join(filter.statuses),
    label: join(filter.labels),
    repository: filter.repository ?? undefined,
    agent: filter.agent ?? undefined,
    project: filter.project ?? undefined,
    wait_reason: filter.waitReason ?? undefined,
    created_from: filter.createdFrom ?? undefined,
    created_to: filter.createdTo ?? undefined,
  };
}

/** `?status=…&label=…` for a link to the runs page, `''` without filters. */
export function toFilterSearch(filter: RunFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(toFilterQuery(filter))) {
    if (value !== undefined) {
      params.set(key, value);
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function isFilterEmpty(filter: RunFilter): boolean {
  return Object.values(toFilterQuery(filter)).every((value) => value === undefined);
}

export function sameFilter(a: RunFilter, b: RunFilter): boolean {
  return toFilterSearch(a) === toFilterSearch(b);
}

/** The project id a slug (or id) names among the caller's projects; the raw value when none matches. */
export function resolveProjectId(project: string, projects: readonly MeProject[]): string {
  return projects.find((candidate) => candidate.slug === project || candidate.id === project)?.id ?? project;
}

/** The staff API's query parameters for the filter (without `limit` and `cursor`). */
export function toRunsApiParams(filter: RunFilter, projects: readonly MeProject[]): URLSearchParams {
  const params = new URLSearchParams();
  const range = toCreatedRange(filter);
  const entries: [string, string | null][] = [
    ['status', filter.statuses.length === 0 ? null : filter.statuses.join(',')],
    ['label', filter.labels.length === 0 ? null : filter.labels.join(',')],
    ['repository', filter.repository],
    ['agent', filter.agent],
    ['wait_reason', filter.waitReason],
    ['project', filter.project === null ? null : resolveProjectId(filter.project, projects)],
    ['created_from', range.from === null ? null : new Date(range.from).toISOString()],
    ['created_to', range.to === null ? null : new Date(range.to).toISOString()],
  ];
  for (const [key, value] of entries) {
    if (value !== null) {
      params.set(key, value);
    }
  }
  return params;
}

/** Whether the server would list `run` under `filter`: the same rules as the edge's `pageRuns`. */
export function matchesRunFilter(run: Run, filter: RunFilter, projects: readonly MeProject[]): boolean {
  const created = Date.parse(run.created_at);
  const range = toCreatedRange(filter);
  return (
    (filter.statuses.length === 0 || filter.statuses.includes(run.status)) &&
    (filter.labels.length === 0 || filter.labels.includes(run.trigger_label)) &&
    (filter.repository === null || run.repository_full_name === filter.repository) &&
    (filter.agent === null || run.agent_key === filter.agent) &&
    (filter.waitReason === null || run.wait_reason === filter.waitReason) &&
    (filter.project === null || run.project_id === resolveProjectId(filter.project, projects)) &&
    (range.from === null || created >= range.from) &&
    (range.to === null || created < range.to)
  );
}

/** Epoch milliseconds: `from` inclusive, `to` exclusive (a day's `to` is the next local midnight). */
export function toCreatedRange(filter: RunFilter): { from: number | null; to: number | null } {
  return { from: toInstant(filter.createdFrom, 0), to: toInstant(filter.createdTo, 1) };
}

function toInstant(value: string | null, addDays: number): number | null {
  if (value === null) {
    return null;
  }
  const day = DAY.exec(value);
  if (day !== null) {
    return new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + addDays).getTime();
  }
  const instant = Date.parse(value);
  return Number.isNaN(instant) ? null : instant;
}

function listOf(raw: string | readonly string[] | undefined): string[] {
  const values = typeof raw === 'string' ? [raw] : (raw ?? []);
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '' && value.length <= MAX_TEXT);
}

function textOf(raw: string | readonly string[] | undefined): string | null {
  const value = (typeof raw === 'string' ? raw : raw?.[0])?.trim() ?? '';
  return value === '' || value.length > MAX_TEXT ? null : value;
}

function dateOf(raw: string | readonly string[] | undefined): string | null {
  const value = textOf(raw);
  if (value === null) {
    return null;
  }
  const day = DAY.exec(value);
  if (day !== null) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // `2026-02-31` is not a day.
    return date.getDate() === Number(day[3]) && date.getMonth() === Number(day[2]) - 1 ? value : null;
  }
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
