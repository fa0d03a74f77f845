import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await startHarness();
  h.gh.seedLabels({ repo: REPO, labels: [{ name: 'stage:plan', color: 'aabbcc', description: 'Planning' }, 'bug'] });
  h.gh.seedIssue({ repo: REPO, number: 3, labels: ['bug'] });
  auth = `token ${await h.mintToken()}`;
});
afterAll(async () => {
  await h.gh.close();
});

interface Label {
  name: string;
  color: string;
  description: string | null;
}

describe('labels', () => {
  it('lists seeded repository labels', async () => {
    const res = await h.call<Label[]>('GET', `/repos/${REPO}/labels`, { auth });
    expect(res.body.map((l) => [l.name, l.color, l.description])).toEqual([
      ['stage:plan', 'aabbcc', 'Planning'],
      ['bug', 'ededed', null],
    ]);
  });

  it('creates, reads and renames a label; state shows it', async () => {
    const created = await h.call<Label>('POST', `/repos/${REPO}/labels`, { auth, body: { name: 'needs-review', color: 'FF0000' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'needs-review', color: 'ff0000' });
    const fetched = await h.call<Label>('GET', `/repos/${REPO}/labels/NEEDS-REVIEW`, { auth });
    expect(fetched.body.name).toBe('needs-review');
    const renamed = await h.call<Label>('PATCH', `/repos/${REPO}/labels/needs-review`, { auth, body: { new_name: 'review', description: 'Wants eyes' } });
    expect(renamed.body).toMatchObject({ name: 'review', description: 'Wants eyes' });
    expect(h.gh.repoLabels({ repo: REPO }).map((l) => l.name)).toContain('review');
    expect((await h.call('GET', `/repos/${REPO}/labels/needs-review`, { auth })).status).toBe(404);
  });

  it('refuses a duplicate label with 422 already_exists', async () => {
    const res = await h.call('POST', `/repos/${REPO}/labels`, { auth, body: { name: 'BUG' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
  });

  it('adds labels to an issue as names or {name} objects, creating unknown ones', async () => {
    await h.call('POST', `/repos/${REPO}/issues/3/labels`, { auth, body: { labels: ['stage:plan'] } });
    await h.call('POST', `/repos/${REPO}/issues/3/labels`, { auth, body: { labels: ['fresh'] } });
    const res = await h.call<Label[]>('POST', `/repos/${REPO}/issues/3/labels`, { auth, body: { labels: [{ name: 'bug' }] } });
    expect(res.body.map((l) => l.name)).toEqual(['bug', 'stage:plan', 'fresh']);
    expect(h.gh.issueLabels({ repo: REPO, number: 3 })).toEqual(['bug', 'stage:plan', 'fresh']);
    expect(h.gh.repoLabels({ repo: REPO }).find((l) => l.name === 'fresh')?.color).toBe('ededed');
  });

  it('refuses the bare-array body that the current description no longer allows', async () => {
    h.gh.clearObservations();
    const res = await h.call('POST', `/repos/${REPO}/issues/3/labels`, { auth, body: ['other'] });
    expect(res.status).toBe(422);
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'invalid-body', operationId: 'issues/add-labels' })]);
    h.gh.clearObservations();
  });

  it('removes a label from an issue, and 404s "Label does not exist" when it is not there', async () => {
    const res = await h.call<Label[]>('DELETE', `/repos/${REPO}/issues/3/labels/stage%3Aplan`, { auth });
    expect(res.status).toBe(200);
    expect(res.body.map((l) => l.name)).toEqual(['bug', 'fresh']);
    const again = await h.call('DELETE', `/repos/${REPO}/issues/3/labels/stage%3Aplan`, { auth });
    expect(again).toMatchObject({ status: 404, body: { message: 'Label does not exist' } });
  });

  it('404s labels of an issue that does not exist', async () => {
    expect((await h.call('GET', `/repos/${REPO}/issues/999/labels`, { auth })).status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });
});
