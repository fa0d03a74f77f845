// The fuzz generator itself: every case of a seed must be buildable, or the
// fuzz suite fails on its own input instead of the edge's answers.
import { describe, expect, it } from 'vitest';
import { webhookCase, type WebhookTarget } from './support/fuzz-webhooks.ts';

const target: WebhookTarget = { repoId: 1, repoFullName: 'acme/app', installationId: 2, sender: 'octocat', issues: 5, secret: 'fuzz-secret' };

describe('webhook fuzz generator', () => {
  it('builds every case of seed 1172441933, whose repeated deep nestings once overflowed JSON.stringify', () => {
    let deep = 0;
    for (let index = 0; index < 2250; index += 1) {
      let mutations: string[] = [];
      expect(() => {
        mutations = webhookCase(1172441933, index, target).mutations;
      }, `case ${index}`).not.toThrow();
      deep += mutations.filter((m) => m.startsWith('deep')).length;
    }
    expect(deep).toBeGreaterThan(0);
  });
});
