// Run tokens (docs/domain.md §6.1): minted per claim and per lease renewal,
// verified on every use by one middleware in front of /runner/*, refused when
// expired, forged, for another epoch or attempt, or once the run is finished.

import { env, SELF } from 'cloudflare:test';
import { base64url, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintRunToken, RUN_TOKEN_AUDIENCE, RUN_TOKEN_ISSUER } from '../../src/auth/run-token.ts';
import { projects } from '@stageline/db';
import { eq } from 'drizzle-orm';
import { BASE, claimedRun, claimRuns, db, expireInstance, readyAgent as agent, runRow, type TestSocket } from '../helpers.ts';

async function setAgentSettings(projectId: string, settings: Record<string, unknown>): Promise<void> {
  const h = db();
  try {
    await h.db.update(projects).set({ agentSettings: settings }).where(eq(projects.id, projectId));
  } finally {
    await h.close();
  }
}

const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;
const KEY = () => env.STAGELINE_MCP_TOKEN_SIGNING_KEY;
type Claimed = { runId: string; epoch: number; attemptNo: number; runToken: string };

const claim = (socket: TestSocket, limit = 10): Promise<Claimed[]> => claimRuns<Claimed>(socket, limit);

const getRun = (authorization?: string) => SELF.fetch(`${BASE}/runner/v1/run`, { headers: authorization === undefined ? {} : { authorization } });

/** A token with the right key but chosen claims (forgeries a key holder could make). */
async function signed(claims: Record<string, unknown>, opts: { key?: string; alg?: string; exp?: number } = {}): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(RUN_TOKEN_ISSUER)
    .setAudience(RUN_TOKEN_AUDIENCE)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(opts.exp ?? iat + 600)
    .sign(new TextEncoder().encode(opts.key ?? KEY()));
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
}

describe('run token minting', () => {
  it('binds the claim token to run, epoch and attempt, with the tool scope, for minutes', async () => {
    const { run } = await claimedRun();
    const { payload, protectedHeader } = await jwtVerify(run.runToken, new TextEncoder().encode(KEY()), { issuer: RUN_TOKEN_ISSUER, audience: RUN_TOKEN_AUDIENCE });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: `run:${run.runId}`, run_id: run.runId, epoch: 1, attempt: 1 });
    expect(payload.scope).toEqual(expect.arrayContaining(['get-run', 'report-status', 'sync-secret']));
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
  });
});

describe('GET /runner/v1/run', () => {
  it('answers the calling run its spec, without the raw webhook payload', async () => {
    const { seeded, run } = await claimedRun();
    const res = await getRun(`Bearer ${run.runToken}`);
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      run_id: run.runId,
      epoch: 1,
      attempt_no: 1,
      repository: { full_name: expect.stringContaining('octo-org/app-'), clone_url: expect.stringMatching(/\/octo-org\/app-[^/]+\.git$/) },
      issue: { number: 7, title: expect.any(String) },
      stage: { trigger_kind: 'dev', trigger_label: 'run:dev', agent_key: 'dev', write_scope: 'any', prompt_kind: 'work' },
      write: { commits: true, allowed_paths: ['**'], branch: 'codex/issue-7', opens_pull_request: true },
      launch: { writeScope: 'any', accessProfile: 'candidate', runtimeMode: 'full-env' },
    });
    expect((body.mcp as { url: string; tools: string[] }).url).toBe(`${BASE}/mcp`);
    expect((body.mcp as { tools: string[] }).tools).toEqual(['run_context', 'issue_comments_read', 'pull_request_get', 'run_status_report', 'labels_transition', 'secret_sync', 'database_lifecycle', 'approval_status', 'user_notify', 'user_decision_request']);
    expect(JSON.stringify(body)).not.toContain('raw_payload');
    expect(JSON.stringify(body)).not.toContain(seeded.token);
  });

  it("carries the project's agent settings: engine, locale and branch prefix; a bad field falls back alone", async () => {
    const { seeded, run } = await claimedRun();
    const plain = await (await getRun(`Bearer ${run.runToken}`)).json<{ agent: unknown }>();
    expect(plain.agent).toEqual({ engine: null, locale: null });
    await setAgentSettings(seeded.projectId, { engine: 'claude', locale: 'ru', branch_prefix: 'ai bot/' });
    const set = await (await getRun(`Bearer ${run.runToken}`)).json<{ agent: unknown; write: { branch: string } }>();
    expect(set.agent).toEqual({ engine: 'claude', locale: 'ru' });
    expect(set.write.branch).toBe('ai-bot/7');
    await setAgentSettings(seeded.projectId, { engine: 'gpt-9', locale: 'ru' });
    const bad = await (await getRun(`Bearer ${run.runToken}`)).json<{ agent: unknown; write: { branch: string } }>();
    expect(bad.agent).toEqual({ engine: null, locale: 'ru' });
    expect(bad.write.branch).toBe('codex/issue-7');
  });

  it.each([
    ['no header', undefined],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['a bearer that is no JWT', 'Bearer not-a-jwt-at-all-000000'],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with 401', async (_name, header) => {
    await expectRefused(await getRun(header));
  });

  it('refuses an expired token', async () => {
    const { run } = await claimedRun();
    const old = await mintRunToken(KEY(), { runId: run.runId, epoch: 1, attemptNo: 1, scope: ['get-run'], now: new Date(Date.now() - 2 * 3600_000), ttlSeconds: 900 });
    await expectRefused(await getRun(`Bearer ${old.token}`));
  });

  it('refuses a wrong signature, another algorithm and alg none', async () => {
    const { run } = await claimedRun();
    const claims = { sub: `run:${run.runId}`, run_id: run.runId, epoch: 1, attempt: 1, scope: ['get-run'] };
    await expectRefused(await getRun(`Bearer ${await signed(claims, { key: 'another-signing-key-0123456789abcdef-xyz' })}`));
    await expectRefused(await getRun(`Bearer ${await signed(claims, { alg: 'HS512' })}`));
    const [, payload] = run.runToken.split('.');
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    await expectRefused(await getRun(`Bearer ${none}`));
    // The genuine token, with its signature swapped for another token's, is refused too.
    const other = await signed(claims, { key: 'another-signing-key-0123456789abcdef-xyz' });
    const [h, p] = run.runToken.split('.');
    await expectRefused(await getRun(`Bearer ${h}.${p}.${other.split('.')[2]}`));
  });

  it("never answers for another run: a token names its own run, and a mixed one is refused", async () => {
    const first = await claimedRun();
    const second = await claimedRun();
    const res = await getRun(`Bearer ${second.run.runToken}`);
    expect((await res.json<{ run_id: string }>()).run_id).toBe(second.run.runId);
    // Subject of one run, claims of the other.
    const mixed = await signed({ sub: `run:${first.run.runId}`, run_id: second.run.runId, epoch: 1, attempt: 1, scope: ['get-run'] });
    await expectRefused(await getRun(`Bearer ${mixed}`));
    // Right shape but another attempt of the run.
    const attempt = await signed({ sub: `run:${first.run.runId}`, run_id: first.run.runId, epoch: 1, attempt: 2, scope: ['get-run'] });
    await expectRefused(await getRun(`Bearer ${attempt}`));
  });

  it('refuses the old epoch after a takeover and accepts the new holder\'s token', async () => {
    const { seeded, run } = await claimedRun();
    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    await expireInstance(`${seeded.clusterId}/a`);
    const [taken] = await claim(b);
    expect(taken).toMatchObject({ runId: run.runId, epoch: 2 });
    const before = await runRow(run.runId);
    await expectRefused(await getRun(`Bearer ${run.runToken}`));
    expect((await runRow(run.runId))?.version).toBe(before?.version);
    expect((await getRun(`Bearer ${taken?.runToken ?? ''}`)).status).toBe(200);
  });

  it('refuses a finished run, and writes nothing', async () => {
    const { a, run } = await claimedRun();
    a.send({ type: 'run.status', id: 'done', runId: run.runId, epoch: 1, status: 'succeeded' });
    expect(await a.next(isType('ack'))).toMatchObject({ ref: 'done', result: 'applied' });
    const before = await runRow(run.runId);
    await expectRefused(await getRun(`Bearer ${run.runToken}`));
    expect(await runRow(run.runId)).toEqual(before);
  });

  it('accepts the token renewed with the lease on a heartbeat', async () => {
    const { a, run } = await claimedRun();
    a.send({ type: 'heartbeat', id: 'hb', runs: [{ runId: run.runId, epoch: 1 }] });
    const result = await a.next(isType('heartbeat.result'));
    expect(result).toMatchObject({ ref: 'hb', lost: [], tokens: [{ runId: run.runId, epoch: 1, token: expect.any(String), expiresAt: expect.any(String) }] });
    const [renewed] = result.tokens as { token: string; expiresAt: string }[];
    expect(renewed?.token).not.toBe(run.runToken);
    expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(Date.now() + 60_000);
    expect((await getRun(`Bearer ${renewed?.token ?? ''}`)).status).toBe(200);
  });
});
