// The staff API's OpenAPI description, as the edge serves it under
// `wrangler dev`, checked by an independent OpenAPI 3.1 validator
// (@readme/openapi-parser, schema and semantic checks), and a signed-in
// call answering what the description promises.
import { validate } from '@readme/openapi-parser';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { signIn } from '../../tools/staff-session.mjs';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-api-')), dbKind: 'pglite', agents: 0, build: false, githubIssues: 1 });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 description of the staff API', async () => {
    const res = await fetch(`${stack.edgeUrl}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    // On failure the validator's messages are the diff.
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/staff/runs');
  });

  it('answers what it describes: `me` of a signed-in project admin', async () => {
    const octocat = await signIn(stack.edgeUrl, 'octocat');
    const me = (await (await octocat.fetch('/api/v1/staff/me')).json()) as { login: string; platform_admin: boolean; projects: { slug: string; role: string }[] };
    expect(me).toMatchObject({ login: 'octocat', platform_admin: false, projects: [{ slug: 'demo', role: 'admin' }] });
    const anonymous = await fetch(`${stack.edgeUrl}/api/v1/staff/me`);
    expect(anonymous.status).toBe(401);
  });
});
