/**
 * The console's operations reads and the cluster registry (docs/domain.md §8.2):
 *
 * - `GET /api/v1/staff/queue` — every waiting run of the caller's projects
 *   with why it waits (policy `explainWait`), since when, and its SLA state;
 * - `GET /api/v1/staff/clusters` — clusters the caller's projects run on (all
 *   for a platform admin), their agent instances and busy slots;
 * - `POST /api/v1/staff/clusters` — register a cluster and mint its agent
 *   token, shown once (platform admins);
 * - `POST /api/v1/staff/clusters/{clusterId}/token` — a new token; the old one
 *   stops working at once (platform admins).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { explainWait, platformAccess, queueSeries, readableProjects } from '@stageline/policy';
import { base64url } from 'jose';
import { hashAgentToken } from '../auth/agent-token.ts';
import { clusterViews, insertCluster, queueFacts, rotateClusterToken, waitIntervals } from '../db/ops-repo.ts';
import { toRunDto } from '../db/run-dto.ts';
import { errorBody } from '../lib/http-error.ts';
import { errors, json, RunSchema } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';

const CLUSTER_ID = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63');
const CAUSES = ['no_cluster', 'cluster_offline', 'no_free_slot', 'queued', 'approval', 'owner_answer', 'owner_review', 'backpressure', 'waiting'] as const;

const queue = createRoute({
  method: 'get',
  path: '/api/v1/staff/queue',
  tags: ['operations'],
  summary: 'Waiting runs and why each waits',
  security: SESSION_SECURITY,
  request: { query: z.object({ project: z.uuid().optional() }) },
  responses: {
    200: json(z.object({ items: z.array(z.object({ run: RunSchema, cause: z.enum(CAUSES), since: z.string(), waited_ms: z.number().int(), sla: z.enum(['ok', 'late', 'breached']) })) }), 'Oldest first'),
    ...errors(400, 401),
  },
});

const history = createRoute({
  method: 'get',
  path: '/api/v1/staff/queue/history',
  tags: ['operations'],
  summary: 'Queue depth and wait time over time (for charts)',
  security: SESSION_SECURITY,
  request: {
    query: z.object({
      project: z.uuid().optional(),
      hours: z.coerce.number().int().min(1).max(168).default(24),
      bucket_minutes: z.coerce.number().int().min(1).max(1440).default(15),
    }),
  },
  responses: {
    200: json(
      z.object({
        from: z.string(),
        to: z.string(),
        bucket_minutes: z.number().int(),
        buckets: z.array(z.object({ at: z.string(), waiting: z.number().int(), started: z.number().int(), mean_wait_ms: z.number().int().nullable(), max_wait_ms: z.number().int().nullable() })),
        truncated: z.boolean(),
      }),
      'One bucket per `bucket_minutes`: runs waiting at its end; runs that started in it and how long they had waited',
    ),
    ...errors(400, 401),
  },
});

/** Runs read for one history; beyond it the series says `truncated`. */
const HISTORY_RUNS = 20_000;

const InstanceSchema = z.object({ instance_id: z.string(), live: z.boolean(), agent_version: z.string(), protocol_version: z.string(), connected_at: z.string(), heartbeat_at: z.string(), connections: z.number().int() });
const ClusterSchema = z
  .object({ id: z.string(), name: z.string(), created_at: z.string(), last_seen_at: z.string().nullable(), online: z.boolean(), instances: z.array(InstanceSchema), projects: z.array(z.object({ id: z.string(), slug: z.string() })), runs_holding_slots: z.number().int() })
  .openapi('Cluster');

const listClusters = createRoute({
  method: 'get',
  path: '/api/v1/staff/clusters',
  tags: ['operations'],
  summary: 'Clusters, their agents and busy slots',
  security: SESSION_SECURITY,
  responses: { 200: json(z.object({ items: z.array(ClusterSchema) }), 'Clusters'), ...errors(401) },
});

const tokenAnswer = json(z.object({ id: z.string(), name: z.string().optional(), token: z.string().openapi({ description: 'Shown once; only its SHA-256 is kept' }) }), 'The cluster and its agent token');

const registerCluster = createRoute({
  method: 'post',
  path: '/api/v1/staff/clusters',
  tags: ['operations'],
  summary: 'Register a cluster and mint its agent token (platform admins)',
  security: SESSION_SECURITY,
  middleware: [limitBody(2048)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ id: CLUSTER_ID, name: z.string().min(1).max(100).optional() }).strict() } } } },
  responses: { 201: tokenAnswer, ...errors(400, 401, 403, 409, 413) },
});

const rotateToken = createRoute({
  method: 'post',
  path: '/api/v1/staff/clusters/{clusterId}/token',
  tags: ['operations'],
  summary: 'Mint a new agent token for a cluster; the old one stops working (platform admins)',
  security: SESSION_SECURITY,
  request: { params: z.object({ clusterId: CLUSTER_ID.openapi({ param: { name: 'clusterId', in: 'path' } }) }) },
  responses: { 200: tokenAnswer, ...errors(400, 401, 403, 404) },
});

/** `slc_` and 32 random bytes: what Helm's `clusterToken` takes (docs/deploy.md). */
const newAgentToken = (): string => `slc_${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;

export const staffOps = staffRoutes()
  .openapi(queue, async (c) => {
    const scope = readableProjects(c.var.staff);
    const project = c.req.valid('query').project;
    const ids = project !== undefined ? (scope.kind === 'all' || scope.ids.includes(project) ? [project] : []) : scope.kind === 'all' ? null : scope.ids;
    const now = new Date();
    const facts = await queueFacts(c.var.db, ids, 500, now);
    const defaultSlots = c.var.root.settings.slotsPerProject;
    const items = facts.runs.flatMap((run) => {
      const wait = explainWait(
        {
          status: run.status,
          waitReason: run.waitReason,
          clusterId: run.clusterId,
          clusterOnline: run.clusterId !== null && facts.onlineClusters.has(run.clusterId),
          slotsInUse: facts.slotsInUse.get(run.projectId) ?? 0,
          slots: facts.slots.get(run.projectId) ?? defaultSlots,
          createdAt: run.createdAt,
          waitSince: run.waitSince,
        },
        now,
      );
      return wait === null ? [] : [{ run: toRunDto(run), cause: wait.cause, since: wait.since.toISOString(), waited_ms: now.getTime() - wait.since.getTime(), sla: wait.sla }];
    });
    return c.json({ items }, 200);
  })
  .openapi(history, async (c) => {
    const q = c.req.valid('query');
    if ((q.hours * 60) / q.bucket_minutes > 1000) {
      return c.json(errorBody('invalid_argument', 'at most 1000 buckets: widen bucket_minutes', 'bucket_minutes'), 400);
    }
    const scope = readableProjects(c.var.staff);
    const ids = q.project !== undefined ? (scope.kind === 'all' || scope.ids.includes(q.project) ? [q.project] : []) : scope.kind === 'all' ? null : scope.ids;
    const bucketMs = q.bucket_minutes * 60_000;
    // Whole buckets, the last one ending at the next bucket boundary after now.
    const to = Math.ceil(Date.now() / bucketMs) * bucketMs;
    const from = to - q.hours * 3_600_000;
    const runs = await waitIntervals(c.var.db, ids, new Date(from), new Date(to), HISTORY_RUNS);
    const series = queueSeries(
      runs.map((r) => ({ createdAt: r.createdAt.getTime(), startedAt: r.startedAt?.getTime() ?? null, finishedAt: r.finishedAt?.getTime() ?? null })),
      from,
      to,
      bucketMs,
    );
    return c.json(
      {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        bucket_minutes: q.bucket_minutes,
        buckets: series.map((b) => ({ at: new Date(b.at).toISOString(), waiting: b.waiting, started: b.started, mean_wait_ms: b.meanWaitMs, max_wait_ms: b.maxWaitMs })),
        truncated: runs.length === HISTORY_RUNS,
      },
      200,
    );
  })
  .openapi(listClusters, async (c) => {
    const scope = readableProjects(c.var.staff);
    const now = new Date();
    const views = await clusterViews(c.var.db, scope.kind === 'all' ? null : scope.ids);
    return c.json(
      {
        items: views.map((v) => {
          const instances = v.instances.map((i) => ({
            instance_id: i.instanceId,
            live: i.status === 'active' && i.expiresAt > now,
            agent_version: i.agentVersion,
            protocol_version: i.protocolVersion,
            connected_at: i.connectedAt.toISOString(),
            heartbeat_at: i.heartbeatAt.toISOString(),
            connections: i.connections,
          }));
          return {
            id: v.id,
            name: v.name,
            created_at: v.createdAt.toISOString(),
            last_seen_at: v.lastSeenAt?.toISOString() ?? null,
            online: instances.some((i) => i.live),
            instances,
            projects: v.projects,
            runs_holding_slots: v.runsHoldingSlots,
          };
        }),
      },
      200,
    );
  })
  .openapi(registerCluster, async (c) => {
    if (platformAccess(c.var.staff) !== 'allow') {
      return c.json(errorBody('forbidden', 'only platform admins register clusters'), 403);
    }
    const body = c.req.valid('json');
    const token = newAgentToken();
    if (!(await insertCluster(c.var.db, { id: body.id, name: body.name ?? body.id, tokenHash: await hashAgentToken(token) }))) {
      return c.json(errorBody('conflict', `cluster ${body.id} exists; mint a new token for it instead`), 409);
    }
    c.var.log.info('cluster registered', { clusterId: body.id, by: c.var.staff.login });
    return c.json({ id: body.id, name: body.name ?? body.id, token }, 201, { 'cache-control': 'no-store' });
  })
  .openapi(rotateToken, async (c) => {
    if (platformAccess(c.var.staff) !== 'allow') {
      return c.json(errorBody('forbidden', 'only platform admins mint cluster tokens'), 403);
    }
    const { clusterId } = c.req.valid('param');
    const token = newAgentToken();
    if (!(await rotateClusterToken(c.var.db, clusterId, await hashAgentToken(token)))) {
      return c.json(errorBody('not_found', 'cluster not found'), 404);
    }
    c.var.log.info('cluster token rotated', { clusterId, by: c.var.staff.login });
    return c.json({ id: clusterId, token }, 200, { 'cache-control': 'no-store' });
  });
