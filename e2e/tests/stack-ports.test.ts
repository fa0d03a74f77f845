// The local stack's edge takes ports picked free a moment before workerd binds
// them; another connection on the machine can take one in between (seen as
// flaky starts on busy CI machines). The stack then starts the edge again on
// other ports (tools/stack.mjs).
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@stageline/db/dev';
import { startStack, type Stack } from '../../tools/stack.mjs';

let stack: Stack | undefined;
const held = net.createServer();

afterAll(async () => {
  await stack?.stop();
  held.close();
});

describe('the local stack', () => {
  it('starts the edge on other ports when the port it picked was taken before workerd could bind it', async () => {
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', () => resolve()));
    const taken = (held.address() as net.AddressInfo).port;
    let picks = 0;
    // The first pick is the taken port, as when another socket got there first.
    const pickPort = async () => ((picks += 1) === 1 ? taken : freePort());
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-ports-'));
    stack = await startStack({ stateDir, dbKind: 'pglite', agents: 0, build: false, githubIssues: 1, pickPort });
    expect(new URL(stack.edgeUrl).port).not.toBe(String(taken));
    expect((await fetch(`${stack.edgeUrl}/healthz`)).status).toBe(200);
    // The first start was refused for the port, and said so.
    expect(readFileSync(path.join(stateDir, 'edge.log'), 'utf8')).toMatch(/address already in use/i);
  });
});
