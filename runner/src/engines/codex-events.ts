/**
 * `codex exec --json` prints one event per line; this maps them to the
 * runner's normalized events (pure, so it is tested on recorded lines).
 */
import type { RunnerEvent } from './engine.ts';
import { isObject, jsonObjectOf, text, type Json } from './json-line.ts';

export interface CodexState {
  sessionId: string | null;
  lastMessage: string;
  failure: string | null;
}


function itemEvent(item: Json): RunnerEvent | null {
  switch (item['type']) {
    case 'agent_message':
      return { kind: 'agent_message', data: { text: text(item['text']) } };
    case 'mcp_tool_call':
      return { kind: 'tool_call', data: { tool: `${text(item['server'])}.${text(item['tool'])}`, status: text(item['status']) } };
    case 'command_execution':
      return { kind: 'tool_call', data: { tool: 'shell', command: text(item['command']), exit_code: item['exit_code'] ?? null, status: text(item['status']) } };
    case 'file_change':
      return { kind: 'tool_call', data: { tool: 'edit', changes: Array.isArray(item['changes']) ? item['changes'].length : 0, status: text(item['status']) } };
    case 'error':
      return { kind: 'warning', data: { text: text(item['message']) } };
    default:
      return null;
  }
}

/** One stdout line: the events it yields, with `state` updated. Lines that are not JSON are ignored. */
export function readCodexLine(line: string, state: CodexState): RunnerEvent[] {
  const event = jsonObjectOf(line);
  if (event === null) {
    return [];
  }
  switch (event['type']) {
    case 'thread.started':
      state.sessionId = text(event['thread_id']) || state.sessionId;
      return [{ kind: 'session_started', data: { engine: 'codex', session_id: state.sessionId } }];
    case 'item.completed': {
      const item = isObject(event['item']) ? event['item'] : {};
      if (item['type'] === 'agent_message') {
        state.lastMessage = text(item['text']);
      }
      const mapped = itemEvent(item);
      return mapped === null ? [] : [mapped];
    }
    case 'turn.completed': {
      const usage = isObject(event['usage']) ? event['usage'] : {};
      return [{ kind: 'usage', data: { input_tokens: usage['input_tokens'] ?? 0, cached_input_tokens: usage['cached_input_tokens'] ?? 0, output_tokens: usage['output_tokens'] ?? 0 } }];
    }
    case 'turn.failed': {
      const error = isObject(event['error']) ? event['error'] : {};
      state.failure = text(error['message']) || 'the turn failed';
      return [];
    }
    case 'error':
      state.failure = text(event['message']) || state.failure;
      return [];
    default:
      return [];
  }
}
