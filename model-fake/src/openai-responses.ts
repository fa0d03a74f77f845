/**
 * The OpenAI Responses API (`POST /v1/responses`) as codex uses it: reading the
 * conversation out of `input`, and answering with `response.created`, one
 * `response.output_item.done` per item and `response.completed` (codex ignores
 * the deltas and builds its turn from the done items).
 */
import type { ConversationReading } from './conversation-text.ts';
import { asArray, estimateTokens, firstPromptText, isRecord, outputText } from './conversation-text.ts';
import type { ReplyItem, ShellStep, ToolOutput, ToolStep } from './script.ts';
import type { SseEvent } from './sse.ts';
import { sseEvent } from './sse.ts';

/** Output items a client sends back with a tool's result (codex's freeform tools use the custom kind). */
const TOOL_OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output']);

export function readResponsesRequest(body: Record<string, unknown>): ConversationReading {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input);
  const outputs: ToolOutput[] = [];
  const userContents: unknown[] = [];
  for (const item of input) {
    if (!isRecord(item)) {
      continue;
    }
    if (typeof item.type === 'string' && TOOL_OUTPUT_TYPES.has(item.type)) {
      outputs.push({ callId: String(item.call_id ?? ''), output: outputText(item.output) });
    } else if ((item.type === undefined || item.type === 'message') && item.role === 'user') {
      userContents.push(item.content);
    }
  }
  return { step: outputs.length, outputs, firstUserText: firstPromptText(userContents), hasTools: asArray(body.tools).length > 0 };
}

/** Every function name the request offers, including those inside namespaces. */
function offeredToolNames(tools: unknown): Set<string> {
  const names = new Set<string>();
  for (const tool of asArray(tools)) {
    if (!isRecord(tool)) {
      continue;
    }
    if (typeof tool.name === 'string') {
      names.add(tool.name);
    }
    for (const name of offeredToolNames(tool.tools)) {
      names.add(name);
    }
  }
  return names;
}

/**
 * codex 0.169 offers `exec_command` and MCP tools in `mcp__<server>` namespaces;
 * older versions and other model families offer `shell_command`, `shell` or flat
 * `mcp__<server>__<tool>` functions, so the call follows what the request offers.
 */
function functionCall(item: ToolStep | ShellStep, callId: string, offered: Set<string>): Record<string, unknown> {
  if (item.type === 'shell') {
    if (!offered.has('exec_command') && offered.has('shell_command')) {
      return { type: 'function_call', name: 'shell_command', arguments: JSON.stringify({ command: item.command }), call_id: callId };
    }
    if (!offered.has('exec_command') && offered.has('shell')) {
      return { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', item.command] }), call_id: callId };
    }
    return { type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd: item.command }), call_id: callId };
  }
  const args = JSON.stringify(item.args);
  if (item.server === undefined) {
    return { type: 'function_call', name: item.name, arguments: args, call_id: callId };
  }
  const flat = `mcp__${item.server}__${item.name}`;
  if (offered.has(flat)) {
    return { type: 'function_call', name: flat, arguments: args, call_id: callId };
  }
  return { type: 'function_call', namespace: `mcp__${item.server}`, name: item.name, arguments: args, call_id: callId };
}

export interface ResponseInput {
  body: Record<string, unknown>;
  items: readonly ReplyItem[];
  responseId: string;
  /** The conversation's step; call ids count on from it so they stay unique within a conversation. */
  step: number;
  inputTokens: number;
  createdAt: number;
}

export function outputItems(input: ResponseInput): Record<string, unknown>[] {
  const offered = offeredToolNames(input.body.tools);
  let calls = 0;
  return input.items.map((item, index) => {
    if (item.type === 'text') {
      return { type: 'message', role: 'assistant', id: `msg_${input.responseId.slice('resp_'.length)}_${index}`, status: 'completed', content: [{ type: 'output_text', text: item.text, annotations: [] }] };
    }
    const callId = `call_fake_${input.step + calls}`;
    calls += 1;
    return functionCall(item, callId, offered);
  });
}

function responseObject(input: ResponseInput, status: string, output: Record<string, unknown>[]): Record<string, unknown> {
  const outputTokens = estimateTokens(JSON.stringify(output));
  return {
    id: input.responseId,
    object: 'response',
    created_at: input.createdAt,
    status,
    model: input.body.model ?? null,
    output,
    usage:
      status === 'completed'
        ? {
            input_tokens: input.inputTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: input.inputTokens + outputTokens,
          }
        : null,
  };
}

export function responsesStream(input: ResponseInput): SseEvent[] {
  const items = outputItems(input);
  return [
    sseEvent('response.created', { response: responseObject(input, 'in_progress', []) }),
    ...items.map((item, index) => sseEvent('response.output_item.done', { output_index: index, item })),
    sseEvent('response.completed', { response: responseObject(input, 'completed', items) }),
  ];
}

export function responsesJson(input: ResponseInput): Record<string, unknown> {
  return responseObject(input, 'completed', outputItems(input));
}

export function responsesError(status: number, message: string): Record<string, unknown> {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: type } };
}
