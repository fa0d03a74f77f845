/**
 * What the Running jobs screen (`/jobs`, docs/domain.md §8.3) lists: every run
 * that holds a Kubernetes Job now, grouped by cluster, then by project.
 *
 *   HTTP list (status=running,waiting_mcp,waiting_backpressure) ─┬─ the store holds a newer version ─▶ the store's row
 *                                                                └─ otherwise ───────────────────────▶ the list's row
 *   store rows the list did not have ─ changed since the list was asked for ─▶ added
 *   any row whose newest version holds no Job ──────────────────────────────▶ left out
 *
 * A waiting run without a Job is "parked": it waits in the queue (`/queue`),
 * not on a cluster, so it is not listed here (§3.2).
 *
 * Heartbeats do not come over the realtime feed: the edge renews leases and
 * `last_heartbeat_at` without a new version or event (edge/src/db/run-repo.ts
 * `renewLeases`). So the screen reloads its list now and then, and at equal
 * versions the row with the later heartbeat wins.
 */
import type { Run, RunStatus } from './run.ts';
import type { MeProject } from './staff-me.ts';

/** The statuses in which a run may hold a Job (§3.1); the API's `status` filter for the list. */
export const JOB_STATUSES: readonly RunStatus[] = ['running', 'waiting_mcp', 'waiting_backpressure'];

/**
 * A heartbeat older than this marks the job stale. The cluster-agent
 * heartbeats every 15 s (STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL_MS in
 * wrangler.toml, cluster-agent/src/config.ts), and the screen reloads
 * heartbeats every 30 s (JOBS_REFRESH_MS in routes/jobs.tsx), so a healthy
 * run never shows one older than about 45 s. 90 s is six beats, past the
 * edge's 60 s instance TTL too (STAGELINE_CLUSTER_AGENT_INSTANCE_TTL_SECONDS):
 * the agent is gone or cut off, not just late.
 */
export const HEARTBEAT_STALE_MS = 6 * 15_000;

/** What the group of runs without a cluster is called. */
export const UNASSIGNED_CLUSTER = 'unassigned';

/** The list as loaded over HTTP, with the store's versions when it was asked for. */
export type LoadedJobs = {
  readonly items: readonly Run[];
  /** Run id → the store's version when the request went out; a store row past it changed since. */
  readonly baseline: ReadonlyMap<string, number>;
};

/**
 * `id` at every level: the screen keeps its rows with Solid's `reconcile({ key: 'id' })`.
 * A cluster group's id is its cluster id, `''` (never a cluster id) for the unassigned one.
 */
export type ProjectJobs = { id: string; slug: string; runs: Run[] };
export type ClusterJobs = { id: string; clusterId: string | null; projects: ProjectJobs[]; count: number };

/** Whether the run holds a Job now: a status that may, and a Job name. */
export function holdsJob(run: Pick<Run, 'status' | 'job_name'>): boolean {
  return JOB_STATUSES.includes(run.status) && run.job_name !== null;
}

/** The store's versions by run id, taken when a list request goes out. */
export function toVersionBaseline(runs: readonly Run[]): Map<string, number> {
  return new Map(runs.map((run) => [run.id, run.version]));
}

/** The runs that hold a Job, the list's rows kept current by the store's (see the header). */
export function toRunningJobs(loaded: LoadedJobs | null, live: readonly Run[]): Run[] {
  if (loaded === null) {
    return [];
  }
  const held = new Map(live.map((run) => [run.id, run]));
  const jobs: Run[] = [];
  const listed = new Set<string>();
  for (const item of loaded.items) {
    if (listed.has(item.id)) {
      continue;
    }
    listed.add(item.id);
    const newest = pickNewer(item, held.get(item.id));
    if (holdsJob(newest)) {
      jobs.push(newest);
    }
  }
  for (const run of live) {
    // The store also keeps runs the list left out on purpose (finished, parked); only a change since counts.
    const changed = run.version > (loaded.baseline.get(run.id) ?? 0);
    if (!listed.has(run.id) && changed && holdsJob(run)) {
      jobs.push(run);
    }
  }
  return jobs;
}

/** The newer snapshot; at equal versions the one with the later heartbeat (heartbeats bump no version). */
export function pickNewer(item: Run, live: Run | undefined): Run {
  if (live === undefined || live.version < item.version) {
    return item;
  }
  if (live.version > item.version) {
    return live;
  }
  return toTime(item.last_heartbeat_at) > toTime(live.last_heartbeat_at) ? item : live;
}

/**
 * Clusters by id, the unassigned group last; projects by slug; within a
 * project the longest-running job first (the one most likely to need a look).
 */
export function groupRunningJobs(runs: readonly Run[], projects: readonly MeProject[]): ClusterJobs[] {
  const slugs = new Map(projects.map((project) => [project.id, project.slug]));
  const clusters = new Map<string | null, Map<string, Run[]>>();
  for (const run of runs) {
    const byProject = clusters.get(run.cluster_id) ?? new Map<string, Run[]>();
    clusters.set(run.cluster_id, byProject);
    byProject.set(run.project_id, [...(byProject.get(run.project_id) ?? []), run]);
  }
  return [...clusters.entries()]
    .map(([clusterId, byProject]) => {
      const grouped = [...byProject.entries()]
        .map(([projectId, held]) => ({ id: projectId, slug: slugs.get(projectId) ?? projectId.slice(0, 8), runs: held.sort(compareLongestFirst) }))
        .sort((a, b) => a.slug.localeCompare(b.slug) || a.id.localeCompare(b.id));
      const count = grouped.reduce((sum, project) => sum + project.runs.length, 0);
      return { id: clusterId ?? '', clusterId, projects: grouped, count };
    })
    .sort(compareClusters);
}

/**
 * Whether the job's heartbeat is older than HEARTBEAT_STALE_MS at `now`. A job
 * that has not heartbeated yet is stale once it started that long ago; one
 * without either time cannot be judged and is not marked.
 */
export function isHeartbeatStale(run: Pick<Run, 'last_heartbeat_at' | 'started_at'>, now: Date): boolean {
  const last = toTime(run.last_heartbeat_at ?? run.started_at);
  return Number.isFinite(last) && now.getTime() - last > HEARTBEAT_STALE_MS;
}

/** Milliseconds since `started_at` at `now`; null before the run started. */
export function toJobDurationMs(run: Pick<Run, 'started_at'>, now: Date): number | null {
  const started = toTime(run.started_at);
  return Number.isFinite(started) ? Math.max(0, now.getTime() - started) : null;
}

function compareLongestFirst(a: Run, b: Run): number {
  const byStart = toStart(a) - toStart(b);
  return byStart !== 0 ? byStart : a.id.localeCompare(b.id);
}

function compareClusters(a: ClusterJobs, b: ClusterJobs): number {
  if (a.clusterId === null || b.clusterId === null) {
    return a.clusterId === b.clusterId ? 0 : a.clusterId === null ? 1 : -1;
  }
  return a.clusterId.localeCompare(b.clusterId);
}

/** A run without a start time (not expected while it holds a Job) sorts by its creation. */
function toStart(run: Run): number {
  const started = toTime(run.started_at);
  return Number.isFinite(started) ? started : toTime(run.created_at);
}

/** Epoch milliseconds; NaN for null or a bad time. */
function toTime(iso: string | null): number {
  return iso === null ? Number.NaN : Date.parse(iso);
}
