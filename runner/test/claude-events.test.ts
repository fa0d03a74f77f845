import { describe, expect, it } from 'vitest';
import { readClaudeLine, type ClaudeState } from '../src/engines/claude-events.ts';
import { claudeAllowedTools } from '../src/engines/claude.ts';

const fresh = (): ClaudeState => ({ sessionId: null, lastMessage: '', failure: null, mcpDown: [] });

describe('readClaudeLine', () => {
  it('maps init, tool uses, text and the result to normalized events', () => {
    const state = fresh();
    const lines = [
      '{"type":"system","subtype":"init","session_id":"s-1","mcp_servers":[{"name":"stageline","status":"connected"}]}',
      '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"mcp__stageline__run_status_report","input":{"text":"x"}}]}}',
      '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"command":"ls","description":"list"}}]}}',
      '{"type":"assistant","message":{"content":[{"type":"text","text":"Done."}]}}',
      '{"type":"result","subtype":"success","is_error":false,"result":"Done.","session_id":"s-1","usage":{"input_tokens":10,"cache_read_input_tokens":2,"output_tokens":3}}',
    ];
    expect(lines.flatMap((l) => readClaudeLine(l, state))).toEqual([
      { kind: 'session_started', data: { engine: 'claude', session_id: 's-1' } },
      { kind: 'tool_call', data: { tool: 'stageline.run_status_report' } },
      { kind: 'tool_call', data: { tool: 'shell', command: 'ls' } },
      { kind: 'agent_message', data: { text: 'Done.' } },
      { kind: 'usage', data: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3 } },
    ]);
    expect(state).toEqual({ sessionId: 's-1', lastMessage: 'Done.', failure: null, mcpDown: [] });
  });

  it('records an MCP server that did not connect and an error result', () => {
    const state = fresh();
    readClaudeLine('{"type":"system","subtype":"init","session_id":"s","mcp_servers":[{"name":"stageline","status":"failed"}]}', state);
    readClaudeLine('{"type":"result","subtype":"error_during_execution","is_error":true,"result":"API Error: 500"}', state);
    expect(state.mcpDown).toEqual(['stageline']);
    expect(state.failure).toBe('API Error: 500');
  });
});

describe('claudeAllowedTools', () => {
  it('allows the file and shell tools and only the run\'s MCP tools', () => {
    expect(claudeAllowedTools(['run_context'])).toBe('Bash,Edit,Write,Read,Glob,Grep,mcp__stageline__run_context');
  });
});
