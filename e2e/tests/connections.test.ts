// Every path releases its database connection, on success and on error: a
// burst of 1,000 failing requests (unknown tokens, unknown runs, bad bodies)
// leaves as many sessions open as before it. Runs on the embedded database of
// `npm start`, where a session left open holds one of few backends.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { signIn, type StaffClient } from '../../tools/staff-session.mjs';
import { until } from './support/until.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-conn-')), dbKind: 'pglite', agents: 0, build: false, githubIssues: 1 });
  // Signed in, so the staff calls pass authentication and fail on the run they name, after reading Postgres.
  staff = await signIn(stack.edgeUrl, 'demo-admin');
});

afterAll(async () => {
  await stack?.stop();
});

/** Four kinds of failing request, each of which reads Postgres before it fails. */
let staff: StaffClient;

function failing(i: number): [string, RequestInit] {
  const unknownRun = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  switch (i % 4) {
    case 0:
      return ['/agent/v1/frames', { method: 'POST', headers: { authorization: `Bearer wrong-cluster-token-${i}-0123456789`, 'x-stageline-instance-id': 'c/x' }, body: '{"frames":[]}' }];
    case 1:
      return [`/api/v1/staff/runs/${unknownRun}`, { headers: { cookie: staff.cookie() } }];
    case 2:
      return [`/api/v1/staff/runs/${unknownRun}/cancel`, { method: 'POST', body: '', headers: { cookie: staff.cookie(), 'x-csrf-token': staff.csrf } }];
    default:
      return ['/agent/v1/frames', { method: 'POST', headers: { authorization: `Bearer ${stack.clusterToken}`, 'x-stageline-instance-id': 'local/x' }, body: '{"frames":"not a list"}' }];
  }
}

describe('database connections', () => {
  it('return to the baseline after 1,000 failing requests', async () => {
    const baseline = stack.db.connections();
    const statuses = new Map<number, number>();
    let next = 0;
    // 8 at a time, each awaited before its worker sends the next.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 1000) {
          const [url, init] = failing(next++);
          const res = await fetch(`${stack.edgeUrl}${url}`, init);
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 400: 250, 401: 250, 404: 500 });
    // Pools close right after each answer; give them a few seconds, no more.
    await until(`connections back to ${baseline} (now ${stack.db.connections()})`, () => (stack.db.connections() <= baseline ? true : undefined), 10_000);
  });
});
