/**
 * Held work on the console's errors screen (docs/domain.md §8.2): deliveries
 * a repository's WebhookInbox parked because applying them failed for good,
 * and GitHub writes an installation's GitHubOutbox gave up on (GitHub
 * refused them). Both live in Durable Object storage; this asks the objects
 * of the caller's repositories and installations. Once the cause is fixed, a
 * project admin replays a delivery or retries a write; or discards it.
 *
 * - `GET /api/v1/staff/errors/held`
 * - `POST /api/v1/staff/errors/parked/{repositoryId}/{sequence}/replay`, `DELETE …/parked/{repositoryId}/{sequence}`
 * - `POST /api/v1/staff/errors/dead-writes/{installationId}/{sequence}/retry`, `DELETE …/dead-writes/{installationId}/{sequence}`
 *
 * No payload or comment body leaves the objects: a parked delivery shows its
 * id, event and the driver's error name and SQLSTATE; a dead write its kind,
 * key, thread and GitHub's status.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { platformAccess, readableProjects } from '@stageline/policy';
import type { Context } from 'hono';
import { githubOutboxOf, webhookInboxOf } from '../composition/durable-objects.ts';
import { heldScope, repositoryByExternalId, type HeldRepository } from '../db/held-repo.ts';
import type { DeadWrite } from '../do/github-outbox-state.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { errors, json } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { refuseUnless } from './staff-guard.ts';

/** Objects asked per request; a platform with more repositories is told the list is `truncated`. */
const MAX_REPOSITORIES = 200;
const PER_OBJECT = 100;

const seqParam = z.coerce.number().int().min(1).max(1e12).openapi({ param: { name: 'sequence', in: 'path' } });
const repoParam = z
  .string()
  .regex(/^(\d{1,15}|none)$/, "GitHub's repository id, or `none` for deliveries that name no repository")
  .openapi({ param: { name: 'repositoryId', in: 'path' }, example: '123456' });
const installationParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ param: { name: 'installationId', in: 'path' } });

const ParkedSchema = z.object({
  repository_id: z.number().int().nullable(),
  repository_full_name: z.string().nullable(),
  project_id: z.string().nullable(),
  sequence: z.number().int(),
  delivery_id: z.string(),
  event: z.string(),
  received_at: z.string(),
  bytes: z.number().int(),
  error: z.object({ name: z.string(), code: z.string().optional() }).nullable(),
  parked_at: z.string().nullable(),
});
const DeadSchema = z.object({
  installation_id: z.number().int(),
  sequence: z.number().int(),
  kind: z.string(),
  key: z.string(),
  repository_id: z.number().int().nullable(),
  repository_full_name: z.string().nullable(),
  project_id: z.string().nullable(),
  thread_number: z.number().int().nullable(),
  error: z.object({ kind: z.string(), status: z.number().int().optional() }),
  attempts: z.number().int(),
  failed_at: z.string(),
});

const listHeld = createRoute({
  method: 'get',
  path: '/api/v1/staff/errors/held',
  tags: ['operations'],
  summary: 'Parked deliveries and dead GitHub writes of the caller\'s projects',
  security: SESSION_SECURITY,
  responses: {
    200: json(z.object({ parked_deliveries: z.array(ParkedSchema), dead_writes: z.array(DeadSchema), truncated: z.boolean() }), 'Oldest first per object'),
    ...errors(401),
  },
});

const replayParked = createRoute({
  method: 'post',
  path: '/api/v1/staff/errors/parked/{repositoryId}/{sequence}/replay',
  tags: ['operations'],
  summary: 'Apply a parked delivery again (project admin)',
  security: SESSION_SECURITY,
  request: { params: z.object({ repositoryId: repoParam, sequence: seqParam }) },
  responses: {
    200: json(z.object({ outcome: z.string(), run_id: z.string().optional() }), 'Applied (or found applied already); it left the inbox'),
    409: json(z.object({ error: z.object({ code: z.string(), message: z.string() }), backlog: z.number().int().optional() }), 'Deliveries are queued; replay after they drained'),
    422: json(z.object({ error: z.object({ code: z.string(), message: z.string() }), failure: z.object({ name: z.string(), code: z.string().optional() }) }), 'It failed again and stays parked'),
    ...errors(400, 401, 403, 404, 503),
  },
});

const discardParked = createRoute({
  method: 'delete',
  path: '/api/v1/staff/errors/parked/{repositoryId}/{sequence}',
  tags: ['operations'],
  summary: 'Drop a parked delivery for good (project admin)',
  security: SESSION_SECURITY,
  request: { params: z.object({ repositoryId: repoParam, sequence: seqParam }) },
  responses: { 204: { description: 'Dropped' }, ...errors(400, 401, 403, 404) },
});

const retryDead = createRoute({
  method: 'post',
  path: '/api/v1/staff/errors/dead-writes/{installationId}/{sequence}/retry',
  tags: ['operations'],
  summary: 'Queue a dead GitHub write again (project admin)',
  security: SESSION_SECURITY,
  request: { params: z.object({ installationId: installationParam, sequence: seqParam }) },
  responses: { 200: json(z.object({ outcome: z.enum(['requeued', 'superseded']) }), 'Queued at the tail, or dropped because a newer write of its key is queued'), ...errors(400, 401, 403, 404) },
});

const discardDead = createRoute({
  method: 'delete',
  path: '/api/v1/staff/errors/dead-writes/{installationId}/{sequence}',
  tags: ['operations'],
  summary: 'Drop a dead GitHub write for good (project admin)',
  security: SESSION_SECURITY,
  request: { params: z.object({ installationId: installationParam, sequence: seqParam }) },
  responses: { 204: { description: 'Dropped' }, ...errors(400, 401, 403, 404) },
});

const repositoryIdOfWrite = (dead: DeadWrite): number => ('thread' in dead.write ? dead.write.thread.repositoryId : dead.write.repo.repositoryId);

/**
 * Who may act on held work of a repository: a project admin of the project it
 * is bound to; platform admins alone for a repository bound to none (or for
 * deliveries that name no repository). null to go on, else the answer.
 */
function refuseOnRepository(c: Context<AppEnv>, repo: HeldRepository | null, what: string): Response | null {
  if (repo !== null) {
    return refuseUnless(c, repo.projectId, 'administer', what);
  }
  return platformAccess(c.var.staff) === 'allow' ? null : c.json(errorBody('not_found', `${what} not found`), 404);
}

async function parkedTarget(c: Context<AppEnv>, repositoryId: string): Promise<{ ok: true; externalId: number | null } | { ok: false; response: Response }> {
  const externalId = repositoryId === 'none' ? null : Number(repositoryId);
  const repo = externalId === null ? null : await repositoryByExternalId(c.var.db, externalId);
  const refused = refuseOnRepository(c, repo, 'parked delivery');
  return refused === null ? { ok: true, externalId } : { ok: false, response: refused };
}

async function deadTarget(c: Context<AppEnv>, installationId: number, sequence: number): Promise<{ ok: true } | { ok: false; response: Response }> {
  const dead = (await githubOutboxOf(c.env, installationId).status()).dead.find((d) => d.seq === sequence);
  if (dead === undefined) {
    return { ok: false, response: c.json(errorBody('not_found', 'dead write not found'), 404) };
  }
  const refused = refuseOnRepository(c, await repositoryByExternalId(c.var.db, repositoryIdOfWrite(dead)), 'dead write');
  return refused === null ? { ok: true } : { ok: false, response: refused };
}

export const staffHeld = staffRoutes()
  .openapi(listHeld, async (c) => {
    const scope = readableProjects(c.var.staff);
    const held = await heldScope(c.var.db, scope.kind === 'all' ? null : scope.ids, MAX_REPOSITORIES);
    const byExternalId = new Map(held.repositories.map((r) => [r.externalId, r]));
    const inboxes: (HeldRepository | null)[] = [...held.repositories, ...(scope.kind === 'all' ? [null] : [])];
    const [parked, dead] = await Promise.all([
      Promise.all(inboxes.map(async (repo) => ({ repo, items: await webhookInboxOf(c.env, repo?.externalId ?? null).parkedDeliveries(PER_OBJECT) }))),
      Promise.all(held.installations.map(async (installationId) => ({ installationId, items: (await githubOutboxOf(c.env, installationId).status()).dead }))),
    ]);
    return c.json(
      {
        parked_deliveries: parked.flatMap(({ repo, items }) =>
          items.map((p) => ({
            repository_id: repo?.externalId ?? null,
            repository_full_name: repo?.fullName ?? null,
            project_id: repo?.projectId ?? null,
            sequence: p.sequence,
            delivery_id: p.deliveryId,
            event: p.event,
            received_at: p.receivedAt,
            bytes: p.bytes,
            error: p.error,
            parked_at: p.parkedAt,
          })),
        ),
        dead_writes: dead.flatMap(({ installationId, items }) =>
          items.flatMap((d) => {
            const repositoryId = repositoryIdOfWrite(d);
            const repo = byExternalId.get(repositoryId);
            // A member sees the writes of their projects' repositories only; a platform admin every one.
            if (repo === undefined && scope.kind !== 'all') {
              return [];
            }
            return [
              {
                installation_id: installationId,
                sequence: d.seq,
                kind: d.write.kind,
                key: d.write.key,
                repository_id: repositoryId,
                repository_full_name: repo?.fullName ?? null,
                project_id: repo?.projectId ?? null,
                thread_number: 'thread' in d.write ? d.write.thread.number : null,
                error: { kind: d.error.kind, ...('status' in d.error ? { status: d.error.status } : {}) },
                attempts: d.attempts,
                failed_at: new Date(d.failedAt).toISOString(),
              },
            ];
          }),
        ),
        truncated: held.truncated,
      },
      200,
    );
  })
  .openapi(replayParked, async (c) => {
    const { repositoryId, sequence } = c.req.valid('param');
    const target = await parkedTarget(c, repositoryId);
    if (!target.ok) {
      return target.response as never;
    }
    const answer = await webhookInboxOf(c.env, target.externalId).replayParked(sequence);
    c.var.log.info('parked delivery replay', { repositoryId, sequence, outcome: answer.kind, by: c.var.staff.login });
    switch (answer.kind) {
      case 'not_found':
        return c.json(errorBody('not_found', 'parked delivery not found'), 404);
      case 'backlog':
        return c.json({ ...errorBody('conflict', 'deliveries are queued for this repository; replay after they drained'), backlog: answer.backlog }, 409);
      case 'unavailable':
        return c.json(errorBody('unavailable', 'the database is unreachable; the delivery stays parked'), 503);
      case 'failed':
        return c.json({ ...errorBody('failed_precondition', 'it failed again and stays parked'), failure: answer.error }, 422);
      case 'applied':
        return c.json({ outcome: answer.answer.kind, ...(answer.answer.kind === 'accepted' ? { run_id: answer.answer.runId } : {}) }, 200);
    }
  })
  .openapi(discardParked, async (c) => {
    const { repositoryId, sequence } = c.req.valid('param');
    const target = await parkedTarget(c, repositoryId);
    if (!target.ok) {
      return target.response as never;
    }
    if (!(await webhookInboxOf(c.env, target.externalId).discardParked(sequence))) {
      return c.json(errorBody('not_found', 'parked delivery not found'), 404);
    }
    c.var.log.info('parked delivery discarded', { repositoryId, sequence, by: c.var.staff.login });
    return c.body(null, 204);
  })
  .openapi(retryDead, async (c) => {
    const { installationId, sequence } = c.req.valid('param');
    const target = await deadTarget(c, installationId, sequence);
    if (!target.ok) {
      return target.response as never;
    }
    const outcome = await githubOutboxOf(c.env, installationId).retryDead(sequence);
    c.var.log.info('dead github write retry', { installationId, sequence, outcome, by: c.var.staff.login });
    return outcome === 'not_found' ? c.json(errorBody('not_found', 'dead write not found'), 404) : c.json({ outcome }, 200);
  })
  .openapi(discardDead, async (c) => {
    const { installationId, sequence } = c.req.valid('param');
    const target = await deadTarget(c, installationId, sequence);
    if (!target.ok) {
      return target.response as never;
    }
    if (!(await githubOutboxOf(c.env, installationId).discardDead(sequence))) {
      return c.json(errorBody('not_found', 'dead write not found'), 404);
    }
    c.var.log.info('dead github write discarded', { installationId, sequence, by: c.var.staff.login });
    return c.body(null, 204);
  });
