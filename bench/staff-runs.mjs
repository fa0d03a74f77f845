// `npm run bench:console`: the staff run list over 100,000 runs on the local
// stack (real PostgreSQL when the machine has one, else PGlite; the edge
// under wrangler dev). 100,000 runs spread over 50 projects are inserted with
// one SQL statement, then each query below is asked N times (default 50):
//   all, first page          a platform admin's first page (100 runs)
//   all, page 50             the same after following 49 cursors
//   one project              a member of one project (2,000 runs)
//   status filter            a platform admin, status=failed (about 1 in 8)
//   label + repository       a platform admin, label=run:qa and one repository
// Latency is the whole HTTP round trip on loopback (session check, roles,
// query, JSON), an upper bound of the server time. Postgres' own execution
// time of the list query comes from EXPLAIN ANALYZE.
// Prints a markdown table and writes bench/results/console-<timestamp>.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, startStack } from '../tools/stack.mjs';
import { signIn } from '../tools/staff-session.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, repeat: { type: 'string', default: '50' } } });
const RUNS = Number(values.runs);
const REPEAT = Number(values.repeat);
const PROJECTS = 50;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: +pct(s, 50).toFixed(1), p99: +pct(s, 99).toFixed(1), max: +s[s.length - 1].toFixed(1) };
};

const stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-bench-console-')), dbKind: 'auto', agents: 0, build: false, githubIssues: 1, edgeLogLevel: 'warn' });
const db = new pg.Client({ connectionString: stack.db.url });
try {
  await db.connect();
  const started = Date.now();
  await db.query(`INSERT INTO projects (slug, name, cluster_id) SELECT 'bench-' || g, 'bench ' || g, $1 FROM generate_series(1, ${PROJECTS}) g ON CONFLICT DO NOTHING`, [stack.clusterId]);
  await db.query(`INSERT INTO repositories (project_id, external_id, owner, name, full_name)
    SELECT p.id, 9000000 + row_number() OVER (), 'bench', p.slug, 'bench/' || p.slug FROM projects p WHERE p.slug LIKE 'bench-%' ON CONFLICT DO NOTHING`);
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'failed', 'canceled', 'running', 'pending', 'waiting_mcp'];
  const labels = ['run:dev', 'run:dev', 'run:plan', 'run:qa', 'run:review'];
  await db.query(
    `WITH r AS (SELECT id, project_id, full_name, (row_number() OVER (ORDER BY full_name) - 1)::int AS n FROM repositories WHERE full_name LIKE 'bench/%')
     INSERT INTO agent_runs (correlation_id, project_id, repository_id, cluster_id, repository_full_name, agent_key, trigger_kind, trigger_label,
                             issue_number, status, run_payload, created_at, updated_at)
     SELECT 'bench-' || g, r.project_id, r.id, $1, r.full_name, 'dev', 'label', ($2::text[])[1 + g % 5], 1 + g % 997, ($3::text[])[1 + g % 8],
            '{}'::jsonb, now() - make_interval(secs => g), now()
     FROM generate_series(1, ${RUNS}) g JOIN r ON r.n = g % ${PROJECTS}`,
    [stack.clusterId, labels, statuses],
  );
  await db.query('ANALYZE agent_runs');
  const inserted = Date.now() - started;
  const { rows: [member] } = await db.query(`SELECT id FROM projects WHERE slug = 'bench-7'`);
  await db.query(`INSERT INTO project_members (project_id, github_login, role) VALUES ($1, 'demo-viewer', 'read') ON CONFLICT DO NOTHING`, [member.id]);
  const admin = await signIn(stack.edgeUrl, 'demo-admin');
  const viewer = await signIn(stack.edgeUrl, 'demo-viewer');

  const time = async (client, query) => {
    const t0 = performance.now();
    const res = await client.fetch(`/api/v1/staff/runs?${query}`);
    const body = await res.json();
    if (res.status !== 200) {
      throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
    }
    return { ms: performance.now() - t0, body };
  };
  let cursor50 = null;
  {
    let cursor = null;
    for (let page = 1; page < 50; page += 1) {
      cursor = (await time(admin, `limit=100${cursor === null ? '' : `&cursor=${cursor}`}`)).body.next_cursor;
    }
    cursor50 = cursor;
  }
  const cases = [
    ['all, first page', admin, 'limit=100'],
    ['all, page 50', admin, `limit=100&cursor=${cursor50}`],
    ['one project (member)', viewer, 'limit=100'],
    ['status filter', admin, 'limit=100&status=failed'],
    ['label + repository', admin, `limit=100&label=run:qa&repository=${encodeURIComponent('bench/bench-12')}`],
  ];
  const results = {};
  for (const [name, client, query] of cases) {
    await time(client, query);
    const ms = [];
    let items = 0;
    for (let i = 0; i < REPEAT; i += 1) {
      const r = await time(client, query);
      ms.push(r.ms);
      items = r.body.items.length;
    }
    results[name] = { ...summary(ms), items };
  }
  const explain = async (where, args) => {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM agent_runs ${where} ORDER BY created_at DESC, id DESC LIMIT 101`, args);
    const plan = rows[0]['QUERY PLAN'][0];
    return { executionMs: plan['Execution Time'], node: plan.Plan.Plans?.[0]?.['Node Type'] ?? plan.Plan['Node Type'], index: plan.Plan.Plans?.[0]?.['Index Name'] ?? null };
  };
  const plans = {
    'all, first page': await explain('', []),
    'one project (member)': await explain('WHERE project_id = ANY($1::uuid[])', [[member.id]]),
    'status filter': await explain(`WHERE status = 'failed'`, []),
  };
  const out = { runs: RUNS, projects: PROJECTS, repeat: REPEAT, database: stack.db.kind, insertMs: inserted, results, plans };
  console.log(`\n${RUNS} runs, ${PROJECTS} projects, ${REPEAT} requests per case (inserted in ${(inserted / 1000).toFixed(1)} s)\n`);
  console.log('| case | items | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.items} | ${r.p50} | ${r.p99} | ${r.max} |`);
  }
  console.log('\n| query (EXPLAIN ANALYZE) | Postgres execution ms | plan |');
  console.log('|---|---|---|');
  for (const [name, p] of Object.entries(plans)) {
    console.log(`| ${name} | ${p.executionMs.toFixed(2)} | ${p.node}${p.index === null ? '' : ` on ${p.index}`} |`);
  }
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', `console-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(out, null, 2));
} finally {
  await db.end();
  await stack.stop();
}
