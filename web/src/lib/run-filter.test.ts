import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/fixtures/make-run.ts';
import {
  EMPTY_RUN_FILTER,
  isFilterEmpty,
  matchesRunFilter,
  parseRunFilter,
  toFilterQuery,
  toFilterSearch,
  toRunsApiParams,
  type RunFilter,
} from './run-filter.ts';
import type { MeProject } from './staff-me.ts';

const PROJECTS: MeProject[] = [
  { id: 'b9d6e1c2-0000-4000-8000-000000000001', slug: 'acme', name: 'Acme', role: 'read' },
  { id: 'b9d6e1c2-0000-4000-8000-000000000002', slug: 'globex', name: 'Globex', role: 'admin' },
];

const FULL: RunFilter = {
  statuses: ['running', 'waiting_mcp'],
  labels: ['run:dev', 'run:plan'],
  repository: 'acme/widgets',
  agent: 'dev',
  project: 'acme',
  waitReason: 'approval_pending',
  createdFrom: '2026-03-01',
  createdTo: '2026-03-07',
};

/** What the page's address would hold after `setSearchParams(toFilterQuery(filter))`. */
function throughAddress(filter: RunFilter): RunFilter {
  const params = new URLSearchParams(toFilterSearch(filter));
  return parseRunFilter(Object.fromEntries(params));
}

describe('filter ↔ URL', () => {
  it('round-trips every filter through the query string', () => {
    expect(throughAddress(FULL)).toEqual(FULL);
    expect(throughAddress(EMPTY_RUN_FILTER)).toEqual(EMPTY_RUN_FILTER);
  });

  it('writes comma lists in a stable order and leaves unset keys out', () => {
    expect(toFilterSearch({ ...EMPTY_RUN_FILTER, statuses: ['failed', 'running'], agent: 'dev' })).toBe('?status=failed%2Crunning&agent=dev');
    expect(toFilterSearch(EMPTY_RUN_FILTER)).toBe('');
    // Unset keys come as undefined, so the router removes them from the address.
    expect(toFilterQuery({ ...EMPTY_RUN_FILTER, agent: 'dev' })).toEqual({
      status: undefined,
      label: undefined,
      repository: undefined,
      agent: 'dev',
      project: undefined,
      wait_reason: undefined,
      created_from: undefined,
      created_to: undefined,
    });
  });

  it('reads repeated keys and comma lists, dropping unknown statuses, duplicates and blanks', () => {
    const filter = parseRunFilter({ status: ['running,exploded', 'failed', 'running'], label: ' run:dev , ,run:qa', repository: '  ' });
    expect(filter.statuses).toEqual(['running', 'failed']);
    expect(filter.labels).toEqual(['run:dev', 'run:qa']);
    expect(filter.repository).toBeNull();
  });

  it('keeps days and ISO instants, drops anything else', () => {
    expect(parseRunFilter({ created_from: '2026-02-31' }).createdFrom).toBeNull();
    expect(parseRunFilter({ created_from: 'yesterday' }).createdFrom).toBeNull();
    expect(parseRunFilter({ created_from: '2026-03-01T10:00:00Z' }).createdFrom).toBe('2026-03-01T10:00:00Z');
    expect(parseRunFilter({ created_to: '2026-03-01' }).createdTo).toBe('2026-03-01');
  });

  it('knows an empty filter', () => {
    expect(isFilterEmpty(EMPTY_RUN_FILTER)).toBe(true);
    expect(isFilterEmpty({ ...EMPTY_RUN_FILTER, labels: ['run:dev'] })).toBe(false);
  });
});

describe('toRunsApiParams', () => {
  it('maps the slug to the project id and whole days to local-midnight instants (to exclusive)', () => {
    const params = toRunsApiParams(FULL, PROJECTS);
    expect(Object.fromEntries(params)).toEqual({
      status: 'running,waiting_mcp',
      label: 'run:dev,run:plan',
      repository: 'acme/widgets',
      agent: 'dev',
      wait_reason: 'approval_pending',
      project: 'b9d6e1c2-0000-4000-8000-000000000001',
      created_from: new Date(2026, 2, 1).toISOString(),
      created_to: new Date(2026, 2, 8).toISOString(),
    });
  });

  it('sends nothing for an empty filter and an unknown project as given (the edge answers 400)', () => {
    expect(toRunsApiParams(EMPTY_RUN_FILTER, PROJECTS).toString()).toBe('');
    expect(toRunsApiParams({ ...EMPTY_RUN_FILTER, project: 'initech' }, PROJECTS).get('project')).toBe('initech');
  });
});

describe('matchesRunFilter', () => {
  const run = makeRun({
    status: 'waiting_mcp',
    trigger_label: 'run:plan',
    repository_full_name: 'acme/widgets',
    agent_key: 'dev',
    wait_reason: 'approval_pending',
    created_at: new Date(2026, 2, 7, 23, 59).toISOString(),
  });

  it('matches a run the edge would list', () => {
    expect(matchesRunFilter(run, FULL, PROJECTS)).toBe(true);
    expect(matchesRunFilter(run, EMPTY_RUN_FILTER, PROJECTS)).toBe(true);
  });

  it.each<[string, Partial<RunFilter>]>([
    ['status', { statuses: ['running'] }],
    ['stage', { labels: ['run:dev'] }],
    ['repository', { repository: 'acme/billing' }],
    ['agent', { agent: 'qa' }],
    ['project', { project: 'globex' }],
    ['wait reason', { waitReason: 'interaction_response' }],
    ['created before the range', { createdFrom: '2026-03-08' }],
    ['created after the range', { createdTo: '2026-03-06' }],
  ])('leaves out a run of another %s', (_name, patch) => {
    expect(matchesRunFilter(run, { ...FULL, ...patch }, PROJECTS)).toBe(false);
  });

  it('treats a run without wait_reason (an old event) as not waiting', () => {
    const { wait_reason: _dropped, ...old } = run;
    expect(matchesRunFilter(old, { ...EMPTY_RUN_FILTER, waitReason: 'approval_pending' }, PROJECTS)).toBe(false);
  });
});
