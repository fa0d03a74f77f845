/** Talking to the fake as the CLIs do: JSON POSTs, event streams read back and parsed strictly. */
import type { Provider } from '../src/index.ts';

export interface ParsedEvent {
  event: string | null;
  data: Record<string, unknown>;
}

/** Parses an event stream; throws on data that is not JSON, as both providers' SDKs do. */
export function parseSse(text: string): ParsedEvent[] {
  if (!text.endsWith('\n\n')) {
    throw new Error('event stream ends inside an event');
  }
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) {
          event = line.slice('event: '.length);
        } else if (line.startsWith('data: ')) {
          data.push(line.slice('data: '.length));
        }
      }
      const parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
      if (parsed.type !== event) {
        throw new Error(`event ${String(event)} carries type ${String(parsed.type)}`);
      }
      return { event, data: parsed };
    });
}

export const PATHS: Record<Provider, string> = { openai: '/v1/responses', anthropic: '/v1/messages?beta=true' };

export function post(url: string, body: unknown, init: { signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(body), signal: init.signal });
}

export async function postSse(url: string, body: unknown): Promise<ParsedEvent[]> {
  const res = await post(url, body);
  if (res.status !== 200 || res.headers.get('content-type') !== 'text/event-stream') {
    throw new Error(`expected an event stream, got ${res.status} ${await res.text()}`);
  }
  return parseSse(await res.text());
}

/** A codex-like tool list: the shell tool and one MCP namespace. */
export const CODEX_TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object' } },
  { type: 'namespace', name: 'mcp__stageline', tools: [{ type: 'function', name: 'run_status_report' }] },
];

/** Claude Code's tool list, trimmed. */
export const CLAUDE_TOOLS = [
  { name: 'Bash', input_schema: { type: 'object' } },
  { name: 'mcp__stageline__run_status_report', input_schema: { type: 'object' } },
];

export interface Call {
  callId: string;
  output: string;
}

/** A Responses request body as codex builds it: injected context, the prompt, then earlier calls and their outputs. */
export function codexBody(prompt: string, history: { item: Record<string, unknown>; output: string }[] = [], tools: unknown[] = CODEX_TOOLS): Record<string, unknown> {
  return {
    model: 'gpt-5.4',
    stream: true,
    tools,
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>…' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/tmp/x</cwd>\n</environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] },
      ...history.flatMap(({ item, output }) => [item, { type: 'function_call_output', call_id: item.call_id, output }]),
    ],
  };
}

/** A Messages request body as Claude Code builds it: a system reminder and the prompt, then tool_use / tool_result pairs. */
export function claudeBody(prompt: string, history: { block: Record<string, unknown>; output: string }[] = [], tools: unknown[] = CLAUDE_TOOLS): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 32000,
    stream: true,
    tools,
    messages: [
      { role: 'user', content: [{ type: 'text', text: '<system-reminder>\nAs you answer…\n</system-reminder>' }, { type: 'text', text: prompt }] },
      ...history.flatMap(({ block, output }) => [
        { role: 'assistant', content: [block] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: [{ type: 'text', text: output }] }] },
      ]),
    ],
  };
}
