import { describe, expect, it } from 'vitest';
import { readCodexLine, type CodexState } from '../src/engines/codex-events.ts';

// Lines as `codex exec --json` 0.169.0 prints them (shapes recorded from the real CLI against the scripted model).
const LINES = [
  '{"type":"thread.started","thread_id":"0199a0b1-aaaa-7bbb-8ccc-000000000001"}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_0","type":"mcp_tool_call","server":"stageline","tool":"run_context","status":"completed"}}',
  '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"a\\n","exit_code":0,"status":"completed"}}',
  '{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Done."}}',
  '{"type":"turn.completed","usage":{"input_tokens":120,"cached_input_tokens":20,"output_tokens":9}}',
];

describe('readCodexLine', () => {
  it('maps a turn to the normalized events and remembers the thread and the last message', () => {
    const state: CodexState = { sessionId: null, lastMessage: '', failure: null };
    const events = LINES.flatMap((line) => readCodexLine(line, state));
    expect(events).toEqual([
      { kind: 'session_started', data: { engine: 'codex', session_id: '0199a0b1-aaaa-7bbb-8ccc-000000000001' } },
      { kind: 'tool_call', data: { tool: 'stageline.run_context', status: 'completed' } },
      { kind: 'tool_call', data: { tool: 'shell', command: 'bash -lc ls', exit_code: 0, status: 'completed' } },
      { kind: 'agent_message', data: { text: 'Done.' } },
      { kind: 'usage', data: { input_tokens: 120, cached_input_tokens: 20, output_tokens: 9 } },
    ]);
    expect(state).toEqual({ sessionId: '0199a0b1-aaaa-7bbb-8ccc-000000000001', lastMessage: 'Done.', failure: null });
  });

  it('records a failed turn and ignores what is not a JSON event', () => {
    const state: CodexState = { sessionId: null, lastMessage: '', failure: null };
    expect(readCodexLine('not json', state)).toEqual([]);
    expect(readCodexLine('[1,2]', state)).toEqual([]);
    expect(readCodexLine('{"type":"turn.failed","error":{"message":"stream disconnected before completion"}}', state)).toEqual([]);
    expect(state.failure).toBe('stream disconnected before completion');
  });
});
