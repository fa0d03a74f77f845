// A project's namespace retention (docs/domain.md §5.7): set through the staff
// PATCH (policy project-namespace-ttl.ts checks it), decided per role at claim
// time and carried by the claim as `namespaceTtlSeconds` (protocol 1.6).

import { describe, expect, it } from 'vitest';
import { claimRuns, createRun, readyAgent, seedCluster } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

type Claimed = { runId: string; agentKey: string; namespaceTtlSeconds?: number | null };

const patchSettings = (me: StaffSession, projectId: string, agentSettings: unknown) =>
  staffFetch(me, `/api/v1/staff/projects/${projectId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agent_settings: agentSettings }),
  });

/** A `run:dev` run of a fresh project with these agent settings (none: untouched), as its agent claims it. */
async function claimedDevRun(agentSettings?: unknown): Promise<Claimed> {
  const seeded = await seedCluster();
  if (agentSettings !== undefined) {
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    expect((await patchSettings(admin, seeded.projectId, agentSettings)).status).toBe(200);
  }
  const runId = await createRun(seeded.repoExternalId);
  const agent = await readyAgent(seeded.token, `${seeded.clusterId}/a`);
  const [run] = await claimRuns<Claimed>(agent);
  expect(run).toMatchObject({ runId, agentKey: 'dev' });
  return run as Claimed;
}

describe('the claim carries the project namespace TTL', () => {
  it('of the run’s role from namespace_ttl.by_role', async () => {
    const run = await claimedDevRun({ engine: 'codex', namespace_ttl: { default: '12h', by_role: { dev: '2h', qa: '96h' } } });
    expect(run.namespaceTtlSeconds).toBe(7200);
  });

  it('of the project default when its role has none', async () => {
    const run = await claimedDevRun({ namespace_ttl: { default: '1h30m', by_role: { qa: '96h' } } });
    expect(run.namespaceTtlSeconds).toBe(5400);
  });

  it('as null when the project leaves it to the cluster’s Helm config', async () => {
    expect((await claimedDevRun()).namespaceTtlSeconds).toBeNull();
    expect((await claimedDevRun({ namespace_ttl: { by_role: { qa: '96h' } } })).namespaceTtlSeconds).toBeNull();
  });
});

describe('PATCH agent_settings.namespace_ttl', () => {
  it('refuses bad durations and unknown roles, each named, and stores nothing', async () => {
    const seeded = await seedCluster();
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const refused = await patchSettings(admin, seeded.projectId, { namespace_ttl: { default: '5m', by_role: { dev: '2d', designer: '1h' } } });
    expect(refused.status).toBe(400);
    const body = await refused.json<{ errors: string[] }>();
    expect(body.errors).toEqual([
      'agent_settings: namespace_ttl.default must be between 10m and 720h (30 days)',
      'agent_settings: namespace_ttl.by_role.dev must be a duration like 24h or 1h30m (units h, m, s)',
      expect.stringMatching(/^agent_settings: namespace_ttl\.by_role: unknown agent key designer \(one of /),
    ]);
    const projects = await (await staffFetch(admin, '/api/v1/staff/projects')).json<{ items: { id: string; agent_settings: unknown }[] }>();
    expect(projects.items.find((p) => p.id === seeded.projectId)?.agent_settings).toEqual({});
  });
});
