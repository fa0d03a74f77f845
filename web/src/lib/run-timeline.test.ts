import { describe, expect, it } from 'vitest';
import type { FlowEvent, RunnerEvent } from './run-detail-api.ts';
import { appendRunnerEvents, nextAfterOf, toActivity, toTimeline, toTokenUsage } from './run-timeline.ts';

const at = (second: number): string => new Date(Date.UTC(2026, 2, 1, 10, 0, second)).toISOString();

const flows: FlowEvent[] = [
  { id: 1, at: at(0), actor_type: 'system', actor_id: null, event_type: 'run.available', payload: { trigger_label: 'run:dev' } },
  { id: 2, at: at(2), actor_type: 'agent', actor_id: 'kind-dev', event_type: 'run.claimed', payload: { epoch: 1, nested: { ignored: true } } },
  { id: 3, at: at(9), actor_type: 'system', actor_id: null, event_type: 'run.succeeded', payload: null },
];

const runner: RunnerEvent[] = [
  { attempt_no: 1, seq: 0, at: at(3), kind: 'phase', payload: { phase: 'workspace', branch: 'stageline/42' } },
  { attempt_no: 1, seq: 1, at: at(4), kind: 'session_started', payload: { engine: 'codex', session_id: 's-1' } },
  { attempt_no: 1, seq: 2, at: at(5), kind: 'agent_message', payload: { text: 'Reading the issue.\nThen the code.' } },
  { attempt_no: 1, seq: 3, at: at(6), kind: 'tool_call', payload: { tool: 'shell', command: 'npm test', exit_code: 1, status: 'completed' } },
  { attempt_no: 1, seq: 4, at: at(7), kind: 'usage', payload: { input_tokens: 1200, cached_input_tokens: 800, output_tokens: 300 } },
  { attempt_no: 1, seq: 5, at: at(7), kind: 'usage', payload: { input_tokens: 100, cached_input_tokens: 0, output_tokens: 50 } },
  { attempt_no: 1, seq: 6, at: at(8), kind: 'finished', payload: { outcome: 'succeeded', pull_request_url: 'https://github.com/acme/widgets/pull/7' } },
];

describe('toTimeline', () => {
  it('merges audit events and runner milestones in time order, leaving the agent’s activity out', () => {
    const entries = toTimeline(flows, runner);
    expect(entries.map((entry) => [entry.title, entry.source, entry.tone])).toEqual([
      ['run.available', 'audit', 'neutral'],
      ['run.claimed', 'audit', 'neutral'],
      ['phase workspace', 'runner', 'neutral'],
      ['session_started', 'runner', 'neutral'],
      ['finished succeeded', 'runner', 'good'],
      ['run.succeeded', 'audit', 'good'],
    ]);
    expect(entries[1]).toMatchObject({ actor: 'agent:kind-dev', detail: 'epoch=1' });
    expect(entries[2]).toMatchObject({ actor: 'attempt 1', detail: 'branch=stageline/42' });
  });

  it('shows an unknown runner kind under its own name', () => {
    const entries = toTimeline([], [{ attempt_no: 2, seq: 0, at: at(1), kind: 'checkpoint', payload: 'x' }]);
    expect(entries.map((entry) => entry.title)).toEqual(['checkpoint']);
  });
});

describe('toActivity', () => {
  it('lists the agent’s messages and tool calls', () => {
    expect(toActivity(runner)).toEqual([
      { key: 'runner:1:2', at: at(5), attempt: 1, kind: 'message', text: 'Reading the issue.\nThen the code.' },
      { key: 'runner:1:3', at: at(6), attempt: 1, kind: 'tool', tool: 'shell', command: 'npm test', status: 'completed', exitCode: 1 },
    ]);
  });
});

describe('toTokenUsage', () => {
  it('sums every usage event', () => {
    expect(toTokenUsage(runner)).toEqual({ input: 1300, cachedInput: 800, output: 350 });
    expect(toTokenUsage([])).toBeNull();
  });
});

describe('appendRunnerEvents', () => {
  it('adds only events not held yet, in (attempt, seq) order, and says where to continue', () => {
    const held = runner.slice(0, 3);
    const next = appendRunnerEvents(held, [...runner.slice(2, 5), { attempt_no: 2, seq: 0, at: at(20), kind: 'phase', payload: {} }]);
    expect(next.map((event) => `${event.attempt_no}:${event.seq}`)).toEqual(['1:0', '1:1', '1:2', '1:3', '1:4', '2:0']);
    expect(nextAfterOf(next)).toBe('2:0');
    expect(nextAfterOf([])).toBeNull();
  });
});
