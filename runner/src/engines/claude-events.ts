/**
 * `claude -p --output-format stream-json --verbose` prints one JSON message
 * per line; this maps them to the runner's normalized events (pure).
 */
import type { RunnerEvent } from './engine.ts';
import { isObject, jsonObjectOf, text } from './json-line.ts';

export interface ClaudeState {
  sessionId: string | null;
  lastMessage: string;
  failure: string | null;
  /** MCP servers the CLI reported as not connected at start. */
  mcpDown: string[];
}


function contentEvents(content: unknown, state: ClaudeState): RunnerEvent[] {
  const blocks = Array.isArray(content) ? content.filter(isObject) : [];
  return blocks.flatMap((block): RunnerEvent[] => {
    if (block['type'] === 'text') {
      state.lastMessage = text(block['text']);
      return [{ kind: 'agent_message', data: { text: state.lastMessage } }];
    }
    if (block['type'] === 'tool_use') {
      const name = text(block['name']);
      const input = isObject(block['input']) ? block['input'] : {};
      return [{ kind: 'tool_call', data: name === 'Bash' ? { tool: 'shell', command: text(input['command']) } : { tool: name.startsWith('mcp__') ? name.slice('mcp__'.length).replace('__', '.') : name } }];
    }
    return [];
  });
}

export function readClaudeLine(line: string, state: ClaudeState): RunnerEvent[] {
  const message = jsonObjectOf(line);
  if (message === null) {
    return [];
  }
  switch (message['type']) {
    case 'system': {
      if (message['subtype'] !== 'init') {
        return [];
      }
      state.sessionId = text(message['session_id']) || state.sessionId;
      const servers = Array.isArray(message['mcp_servers']) ? message['mcp_servers'].filter(isObject) : [];
      state.mcpDown = servers.filter((s) => s['status'] !== 'connected').map((s) => text(s['name']));
      return [{ kind: 'session_started', data: { engine: 'claude', session_id: state.sessionId } }];
    }
    case 'assistant':
      return contentEvents(isObject(message['message']) ? message['message']['content'] : undefined, state);
    case 'result': {
      const usage = isObject(message['usage']) ? message['usage'] : {};
      if (message['is_error'] === true || message['subtype'] !== 'success') {
        state.failure = text(message['result']) || text(message['subtype']) || 'the turn failed';
      }
      return [{ kind: 'usage', data: { input_tokens: usage['input_tokens'] ?? 0, cached_input_tokens: usage['cache_read_input_tokens'] ?? 0, output_tokens: usage['output_tokens'] ?? 0 } }];
    }
    default:
      return [];
  }
}
