/**
 * Run tokens renewed with the lease (protocol 1.4 heartbeat.result `tokens`)
 * reach the run Secret the Job mounts as a file, once the stored token is
 * half spent; the real agent against the fake edge and the in-memory cluster.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shouldRefreshToken, tokenExpiry } from '../src/dispatch/run-token-refresh.ts';
import { runSecretName } from '../src/kube/manifests.ts';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { fakeRunToken, startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { moreFrames } from './support/later.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = { timeout: 10_000, interval: 20 };

let edge: FakeEdge | undefined;
let agent: StartedAgent | undefined;

afterEach(async () => {
  await agent?.stop();
  await edge?.close();
  agent = undefined;
  edge = undefined;
});

describe('shouldRefreshToken', () => {
  const now = 1_000_000;
  it.each([
    ['the stored expiry is unknown', true, undefined, now + 900_000],
    ['the stored token is less than half spent', false, now + 600_000, now + 900_000],
    ['the stored token is more than half spent', true, now + 400_000, now + 900_000],
    ['the stored token already expired', true, now - 1, now + 900_000],
    ['the offer expires no later than the stored one', false, now + 100_000, now + 100_000],
  ])('%s: refresh %s', (_name, expected, stored, offered) => {
    expect(shouldRefreshToken(stored, offered, now)).toBe(expected);
  });

  it('reads the expiry of a JWT without verifying it, and nothing from other strings', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1_900_000_000 })).toString('base64url');
    expect(tokenExpiry(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`)).toBe(1_900_000_000_000);
    expect(tokenExpiry('srt_not_a_jwt')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });
});

async function runningRun(tokenTtlMs: number): Promise<{ edge: FakeEdge; kube: FakeKubeGateway; runId: string; secretKey: string }> {
  edge = await startFakeEdge({ tokenTtlMs });
  const runId = edge.addRun();
  const kube = new FakeKubeGateway();
  agent = startAgent(edge, { gateway: kube });
  const e = edge;
  await vi.waitFor(() => expect(e.applied.map((a) => a.status)).toContain('running'), WAIT);
  const namespace = e.applied[0]?.namespace ?? '';
  return { edge: e, kube, runId, secretKey: `Secret:${namespace}/${runSecretName(runId)}` };
}

const tokenIn = (kube: FakeKubeGateway, key: string): string => Buffer.from((kube.objects.get(key) as V1Secret | undefined)?.data?.['mcp-token'] ?? '', 'base64').toString();

describe('the run Secret follows the renewed run token', () => {
  it('writes a renewed token once, and not again while the stored one is fresh', async () => {
    const { edge, kube, runId, secretKey } = await runningRun(3_600_000);
    // The claim's token is no JWT here, so its expiry is unknown: the first renewal replaces it.
    await vi.waitFor(() => expect(tokenIn(kube, secretKey)).toMatch(new RegExp(`^srt_${runId.replace(/-/g, '')}_1_renewed_\\d+$`)), WAIT);
    const stored = tokenIn(kube, secretKey);
    expect(stored).not.toBe(fakeRunToken(runId, 1));
    await moreFrames(edge, 'heartbeat', 3);
    expect(tokenIn(kube, secretKey)).toBe(stored);
    // The Job reads the token from the Secret volume, which follows the Secret.
    const [jobName] = kube.jobNames();
    const job = kube.getJob(jobName ?? '');
    expect(job?.spec?.template.spec?.volumes).toContainEqual(expect.objectContaining({ name: 'run-token', secret: expect.objectContaining({ secretName: runSecretName(runId) }) }));
    expect(job?.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'STAGELINE_MCP_TOKEN_FILE', value: '/var/run/stageline/run-token' });
    expect(JSON.stringify(agent?.lines ?? [])).not.toContain(stored);
  });

  it('keeps replacing a short-lived token as it is spent', async () => {
    const { kube, secretKey } = await runningRun(1_000);
    const seen = new Set<string>();
    await vi.waitFor(() => {
      seen.add(tokenIn(kube, secretKey));
      expect(seen.size).toBeGreaterThanOrEqual(3);
    }, WAIT);
  });
});
