// The comparison app of `npm run bench:ingest`: a Probot (14.x) GitHub App on
// node:http doing what a typical Probot app would for the same trigger.
//
// On `issues.labeled` with a `run:*` label it
//  1. verifies the signature (Probot's @octokit/webhooks middleware does it
//     before any handler runs; a bad signature is answered 400),
//  2. looks up the sender's repository permission on GitHub through Probot's
//     installation octokit (`repos.getCollaboratorPermissionLevel`), cached 60 s
//     per repository and login like the edge's actor guard, and looks up the
//     repository's project binding (cached 10 s, like the edge),
//  3. stores the delivery, the run, its audit (flow) event and its realtime
//     event in ONE statement on the same Postgres tables the edge writes, with
//     `ON CONFLICT (delivery_id) DO NOTHING` so a redelivery changes nothing,
// and only then answers (the middleware answers 200 after the handler resolves).
// It does NOT run the label policy (routing, lineage, profile, runtime plan) and
// does NOT queue any GitHub write (no eyes reaction, no status comment).
//
// `node bench/probot-app.mjs` reads PROBOT_BENCH_CONFIG (JSON: port, databaseUrl,
// appId, privateKey, secret, githubUrl, logLevel, poolSize) and prints one line
// `{"msg":"probot-app ready","url":…}`; SIGTERM stops it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createNodeMiddleware, Probot } from 'probot';

const PERMISSION_TTL_MS = 60_000;
const REPOSITORY_TTL_MS = 10_000;
const WRITERS = new Set(['admin', 'maintain', 'write']);

const INSERT = `
  WITH d AS (
    INSERT INTO webhook_deliveries (delivery_id, event, action, repository_external_id, outcome, reason, run_id, payload, received_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7::uuid, $8::jsonb, $9)
    ON CONFLICT (delivery_id) DO NOTHING
    RETURNING delivery_id
  ), r AS (
    INSERT INTO agent_runs (id, correlation_id, project_id, repository_id, cluster_id, repository_full_name, issue_url, agent_key,
                            trigger_kind, trigger_label, issue_number, status, run_payload, lease_epoch, attempt_no, version, created_at, updated_at)
    SELECT $7::uuid, $1, $10::uuid, $11::uuid, $12, $13, $14, 'codex', $15, $16, $17::int, 'pending', $18::jsonb, 0, 1, 1, $9, $9
    FROM d WHERE $7::uuid IS NOT NULL
    RETURNING id
  ), f AS (
    INSERT INTO flow_events (correlation_id, actor_type, actor_id, event_type, payload, created_at)
    SELECT $1, 'system', 'probot-app', 'webhook.received', $19::jsonb, $9 FROM d
  ), e AS (
    INSERT INTO realtime_events (topic, scope, project_id, run_id, correlation_id, payload_json, created_at)
    SELECT 'run.status', 'global', $10::uuid, r.id, $1, $20::jsonb, $9 FROM r
    RETURNING id
  )
  SELECT (SELECT count(*)::int FROM d) AS inserted`;

/** A small time-bounded cache (the same shape as the edge's permission and repository caches). */
function ttlCache(ttlMs) {
  const map = new Map();
  return {
    get(key) {
      const hit = map.get(key);
      return hit !== undefined && Date.now() - hit.at < ttlMs ? hit : undefined;
    },
    set(key, value) {
      if (map.size >= 5000) {
        map.clear();
      }
      map.set(key, { value, at: Date.now() });
    },
  };
}

/**
 * @param {{ port?: number, databaseUrl: string, appId: number|string, privateKey: string, secret: string,
 *   githubUrl: string, logLevel?: string, poolSize?: number }} config
 */
export async function startProbotApp(config) {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolSize ?? 10 });
  const permissions = ttlCache(PERMISSION_TTL_MS);
  const repositories = ttlCache(REPOSITORY_TTL_MS);
  const stats = { accepted: 0, ignored: 0, duplicate: 0, permissionLookups: 0 };

  const findRepository = async (externalId) => {
    const hit = repositories.get(externalId);
    if (hit !== undefined) {
      return hit.value;
    }
    const { rows } = await pool.query(
      `SELECT r.id, r.project_id, p.cluster_id, r.full_name FROM repositories r JOIN projects p ON p.id = r.project_id
       WHERE r.provider = 'github' AND r.external_id = $1 LIMIT 1`,
      [externalId],
    );
    const repo = rows[0] ?? null;
    repositories.set(externalId, repo);
    return repo;
  };

  const senderPermission = async (context) => {
    const { repository, sender } = context.payload;
    const key = `${repository.id}:${sender.login.toLowerCase()}`;
    const hit = permissions.get(key);
    if (hit !== undefined) {
      return hit.value;
    }
    stats.permissionLookups++;
    let permission;
    try {
      const res = await context.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repository.owner.login, repo: repository.name, username: sender.login });
      permission = res.data.permission;
    } catch (error) {
      if (error?.status !== 404) {
        throw error;
      }
      permission = 'none';
    }
    permissions.set(key, permission);
    return permission;
  };

  /** @param {import('probot').Probot} app */
  const appFn = (app) => {
    app.on('issues.labeled', async (context) => {
      const { payload } = context;
      const label = payload.label?.name ?? '';
      const receivedAt = new Date();
      const repo = label.startsWith('run:') ? await findRepository(payload.repository.id) : null;
      let outcome = 'ignored';
      let reason = repo === null ? 'not_a_trigger_or_unbound' : null;
      if (repo !== null) {
        const permission = payload.sender.type === 'Bot' ? 'none' : await senderPermission(context);
        if (WRITERS.has(permission)) {
          outcome = 'accepted';
        } else {
          reason = 'sender_not_permitted';
        }
      }
      const runId = outcome === 'accepted' ? randomUUID() : null;
      const issue = payload.issue;
      const runPayload =
        runId === null
          ? null
          : {
              source: 'github',
              delivery_id: context.id,
              correlation_id: context.id,
              event_type: context.name,
              action: payload.action,
              received_at: receivedAt.toISOString(),
              installation_id: payload.installation?.id ?? null,
              repository: { id: payload.repository.id, full_name: payload.repository.full_name, name: payload.repository.name },
              sender: { id: payload.sender.id, login: payload.sender.login },
              issue: { id: issue.id, number: issue.number, title: issue.title, html_url: issue.html_url, state: issue.state },
              trigger: { source: 'issue_label', label, kind: label.slice('run:'.length) },
              raw_payload: payload,
            };
      const audit = { delivery_id: context.id, event: context.name, action: payload.action, outcome, reason, run_id: runId };
      const now = receivedAt.toISOString();
      const realtime = runId === null ? null : { run: { id: runId, status: 'pending', repositoryFullName: repo.full_name, issueNumber: issue.number, triggerLabel: label } };
      const { rows } = await pool.query(INSERT, [
        context.id,
        context.name,
        payload.action,
        payload.repository.id,
        outcome,
        reason,
        runId,
        JSON.stringify(payload),
        now,
        repo?.project_id ?? null,
        repo?.id ?? null,
        repo?.cluster_id ?? null,
        repo?.full_name ?? null,
        issue.html_url,
        label.slice('run:'.length),
        label,
        issue.number,
        JSON.stringify(runPayload),
        JSON.stringify(audit),
        JSON.stringify(realtime),
      ]);
      if (rows[0]?.inserted === 0) {
        stats.duplicate++;
      } else {
        stats[outcome]++;
      }
    });
  };

  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.secret,
    baseUrl: config.githubUrl,
    logLevel: config.logLevel ?? 'warn',
  });
  const middleware = await createNodeMiddleware(appFn, { probot, webhooksPath: '/github/webhook' });
  const server = createServer((req, res) => {
    const started = performance.now();
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.url === '/_bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    // The same server-side measure as the edge's `Server-Timing: ingest;dur=`: request start to answer.
    const writeHead = res.writeHead;
    res.writeHead = function timedWriteHead(...args) {
      this.setHeader('server-timing', `ingest;dur=${(performance.now() - started).toFixed(1)}`);
      return writeHead.apply(this, args);
    };
    middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise((resolve) => server.listen(config.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = JSON.parse(process.env.PROBOT_BENCH_CONFIG ?? '{}');
  const app = await startProbotApp(config);
  console.log(JSON.stringify({ msg: 'probot-app ready', url: app.url }));
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
