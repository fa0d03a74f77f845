import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEdgeClient } from '../src/edge-client.ts';

function tokenFile(token: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-client-')), 'run-token');
  writeFileSync(file, `${token}\n`);
  return file;
}

/** An edge that answers from a list, recording what it was asked. */
function scriptedEdge(answers: Array<() => Response>) {
  const seen: Array<{ url: string; authorization: string | null }> = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') });
    const next = answers.shift();
    if (next === undefined) {
      throw new Error('no more answers');
    }
    return next();
  }) as typeof fetch;
  return { seen, fetchFn };
}

describe('createEdgeClient', () => {
  it('reads the token from its file on every call (the Secret volume follows renewals)', async () => {
    const file = tokenFile('t1');
    const edge = scriptedEdge([() => Response.json({ a: 1 }), () => Response.json({ a: 2 })]);
    const client = createEdgeClient({ edgeUrl: 'http://edge', tokenFile: file, fetch: edge.fetchFn });
    await client.call('GET', '/runner/v1/run');
    writeFileSync(file, 't2');
    expect(await client.call('GET', '/runner/v1/run')).toEqual({ status: 200, body: { a: 2 } });
    expect(edge.seen.map((s) => s.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('retries a 5xx and a 429 (after its Retry-After), and returns a 4xx as the answer', async () => {
    const edge = scriptedEdge([
      () => new Response('down', { status: 503 }),
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }),
      () => Response.json({ number: 5 }),
      () => Response.json({ error: { code: 'conflict' } }, { status: 409 }),
    ]);
    const client = createEdgeClient({ edgeUrl: 'http://edge', tokenFile: tokenFile('t'), fetch: edge.fetchFn });
    expect(await client.call('POST', '/runner/v1/pull-request', { title: 'x' })).toEqual({ status: 200, body: { number: 5 } });
    expect(edge.seen).toHaveLength(3);
    expect(await client.call('PUT', '/runner/v1/session', {})).toEqual({ status: 409, body: { error: { code: 'conflict' } } });
    expect(edge.seen).toHaveLength(4);
  });
});
