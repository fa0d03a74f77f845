import { describe, expect, it } from 'vitest';
import { progressOf, showsProgress } from './runner-progress.ts';

describe('progressOf', () => {
  it('takes the last phase by sequence, and the reason of a failed finish', () => {
    const events = [
      { seq: 2, kind: 'phase', payload: { phase: 'agent' } },
      { seq: 1, kind: 'phase', payload: { phase: 'workspace' } },
      { seq: 3, kind: 'agent_message', payload: { text: 'hi' } },
    ];
    expect(progressOf(events)).toEqual({ runnerPhase: 'agent' });
    expect(progressOf([...events, { seq: 4, kind: 'finished', payload: { outcome: 'failed', reason: 'scope_violation: a.ts' } }])).toEqual({ runnerPhase: 'finished', runnerReason: 'scope_violation: a.ts' });
    // A turn that ended on a question leaves the run waiting.
    expect(progressOf([...events, { seq: 4, kind: 'finished', payload: { outcome: 'waiting', wait_reason: 'interaction_response' } }])).toEqual({ runnerPhase: 'waiting' });
    expect(progressOf([{ seq: 0, kind: 'usage', payload: {} }])).toEqual({});
  });
});

describe('showsProgress', () => {
  const now = new Date('2026-12-05T10:00:20Z');
  it('edits the comment on the first report, at the end, and otherwise at most every 10 s', () => {
    expect(showsProgress({ runnerPhase: 'spec' }, null, now)).toBe(true);
    expect(showsProgress({ runnerPhase: 'push' }, new Date('2026-12-05T10:00:15Z'), now)).toBe(false);
    expect(showsProgress({ runnerPhase: 'push' }, new Date('2026-12-05T10:00:10Z'), now)).toBe(true);
    expect(showsProgress({ runnerPhase: 'finished' }, new Date('2026-12-05T10:00:19Z'), now)).toBe(true);
  });
});
