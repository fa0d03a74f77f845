// Crash and restart behaviour of the cluster runtime, through real processes
// (wrangler dev, cluster-agent processes, kubesim, Postgres): an agent killed
// mid-run, an edge restarted while runs stream logs, and a lease that expires
// while its holder is still alive.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { query } from './support/sql.ts';
import { until } from './support/until.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => query<T>(stack?.db.url, text, values);

async function label(issue: number): Promise<string> {
  if (stack === undefined) {
    throw new Error('no stack');
  }
  const res = await sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload: labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName }) });
  expect(res.status).toBe(202);
  return (res.body as { runId: string }).runId;
}


type RunRow = { status: string; lease_owner: string | null; lease_epoch: number; job_name: string | null };
const runRow = async (runId: string) => (await sql<RunRow>('SELECT status, lease_owner, lease_epoch, job_name FROM agent_runs WHERE id = $1', [runId]))[0];

/** The lines the demo runner prints for a run with `steps` steps. */
function expectedLog(runId: string, issue: number, steps: number, repo: string): string[] {
  return [
    `stageline runner: run ${runId} attempt 1`,
    `repository ${repo} issue #${issue} stage dev agent dev`,
    ...Array.from({ length: steps }, (_, i) => `step ${i + 1}/${steps} done`),
    'runner finished',
  ];
}

async function storedLog(runId: string): Promise<string[]> {
  const rows = await sql<{ lines: string[] }>(
    `SELECT lines FROM run_log_chunks WHERE run_id = $1 AND epoch = (SELECT max(epoch) FROM run_log_chunks WHERE run_id = $1) ORDER BY seq`,
    [runId],
  );
  return rows.flatMap((r) => r.lines);
}

async function jobsOf(runId: string): Promise<string[]> {
  const res = await fetch(`${stack?.kube.url}/apis/batch/v1/jobs?labelSelector=${encodeURIComponent(`stageline.dev/run-id=${runId}`)}`, { headers: { authorization: 'Bearer kubesim' } });
  const list = (await res.json()) as { items: { metadata: { name: string } }[] };
  return list.items.map((j) => j.metadata.name);
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'stageline-rel-'));
}

describe('reliability', () => {
  it('a second agent adopts the Job of an agent killed mid-run: one Job, run succeeds, full log', async () => {
    const release = path.join(tmp(), 'release');
    stack = await startStack({
      stateDir: tmp(),
      dbKind: 'auto',
      build: false,
      agents: 2,
      edgeVars: { STAGELINE_CLUSTER_AGENT_INSTANCE_TTL_SECONDS: '3', STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL_MS: '1000' },
      agentEnv: { STAGELINE_RECONCILE_INTERVAL: '1s' },
      // The Job holds after its steps until the takeover is recorded, however slow the machine.
      runner: { steps: 30, 'step-ms': 200, 'hold-file': release },
    });
    const runId = await label(11);
    const holder = await until('a running holder', async () => {
      const row = await runRow(runId);
      return row?.status === 'running' && (await jobsOf(runId)).length === 1 ? row.lease_owner : undefined;
    });
    const victim = stack.agents.find((_, i) => holder === `${stack?.clusterId}/agent-${i}`);
    expect(victim).toBeDefined();
    if (victim) {
      await stack.stopGroup(victim, 'SIGKILL');
    }
    await until('the takeover', async () => ((await runRow(runId))?.lease_epoch === 2 ? true : undefined));
    writeFileSync(release, '');
    const final = await until('the run to finish', async () => {
      const row = await runRow(runId);
      return row && ['succeeded', 'failed', 'timed_out'].includes(row.status) ? row : undefined;
    }, 60_000);
    expect(final).toMatchObject({ status: 'succeeded', lease_epoch: 2 });
    expect(final.lease_owner).not.toBe(holder);
    expect(await jobsOf(runId)).toHaveLength(1);
    expect(await storedLog(runId)).toEqual(expectedLog(runId, 11, 30, stack.repo.fullName));
    const events = await sql<{ event_type: string }>(`SELECT event_type FROM flow_events WHERE payload->>'run_id' = $1 ORDER BY id`, [runId]);
    expect(events.map((e) => e.event_type)).toContain('run.reclaimed_after_stale_lease');
  });

  it('restarting the edge while 20 runs stream logs loses and doubles no line', async () => {
    const release = path.join(tmp(), 'release');
    stack = await startStack({
      stateDir: tmp(),
      dbKind: 'auto',
      build: false,
      agents: 1,
      agentEnv: { STAGELINE_CLAIM_LIMIT: '25', STAGELINE_RECONCILE_INTERVAL: '1s' },
      // Every run is still alive when the edge goes down: they hold until the restart is over.
      runner: { steps: 40, 'step-ms': 150, 'hold-file': release },
    });
    await sql('UPDATE projects SET slots = 25');
    const runs: { runId: string; issue: number }[] = [];
    for (let issue = 100; issue < 120; issue += 1) {
      runs.push({ runId: await label(issue), issue });
    }
    await until('all 20 running', async () => {
      const rows = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM agent_runs WHERE status = 'running' AND job_name IS NOT NULL`);
      return (rows[0]?.n ?? 0) >= 20 ? true : undefined;
    });
    await stack.restartEdge();
    writeFileSync(release, '');
    await until('all 20 finished', async () => {
      const rows = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM agent_runs WHERE status = 'succeeded'`);
      return (rows[0]?.n ?? 0) >= 20 ? true : undefined;
    }, 90_000);
    for (const { runId, issue } of runs) {
      expect(await storedLog(runId)).toEqual(expectedLog(runId, issue, 40, stack.repo.fullName));
    }
  });

  it('a lease that expires while its holder is alive moves to another agent; the old holder is fenced', async () => {
    const release = path.join(tmp(), 'release');
    stack = await startStack({
      stateDir: tmp(),
      dbKind: 'auto',
      build: false,
      agents: 1,
      // Slow heartbeats so the holder does not renew before the takeover.
      edgeVars: { STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL_MS: '60000', STAGELINE_CLUSTER_AGENT_INSTANCE_TTL_SECONDS: '600' },
      // The holder's own heartbeat must not renew the lease before the takeover either,
      // and the run must outlast the new agent's start-up (a run that ends first is,
      // correctly, still the old holder's: nobody took it over), so the Job holds
      // until the test releases it.
      agentEnv: { STAGELINE_RECONCILE_INTERVAL: '1s', STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL: '60s' },
      runner: { steps: 5, 'step-ms': 100, 'hold-file': release },
    });
    const runId = await label(21);
    const first = await until('a running holder', async () => {
      const row = await runRow(runId);
      // job_name set: the edge has applied the holder's job_started, which writes lease_until
      // (NULL today), so an expiry set before it would be overwritten and nothing taken over.
      return row?.status === 'running' && row.job_name !== null && (await jobsOf(runId)).length === 1 ? row.lease_owner : undefined;
    });
    await sql(`UPDATE agent_runs SET lease_until = now() - interval '1 second' WHERE id = $1`, [runId]);
    stack.startAgent('agent-late');
    // The Job stays alive until the takeover is recorded; only then may it finish.
    await until('the takeover', async () => ((await runRow(runId))?.lease_epoch === 2 ? true : undefined));
    writeFileSync(release, '');
    const final = await until('the run to finish', async () => {
      const row = await runRow(runId);
      return row && ['succeeded', 'failed', 'timed_out'].includes(row.status) ? row : undefined;
    }, 60_000);
    expect(final).toMatchObject({ status: 'succeeded', lease_owner: `${stack.clusterId}/agent-late`, lease_epoch: 2 });
    expect(first).toBe(`${stack.clusterId}/agent-0`);
    expect(await jobsOf(runId)).toHaveLength(1);
    // Only the new holder's report counted: the audit shows one terminal event, by agent-late.
    const done = await sql<{ actor_id: string }>(`SELECT actor_id FROM flow_events WHERE event_type = 'run.succeeded' AND payload->>'run_id' = $1`, [runId]);
    expect(done).toEqual([{ actor_id: `cluster-agent:${stack.clusterId}/agent-late` }]);
  });
});
