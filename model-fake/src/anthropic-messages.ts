/**
 * The Anthropic Messages API (`POST /v1/messages`) as Claude Code uses it:
 * reading the conversation out of `messages`, and answering with the streamed
 * message (`message_start`, per block `content_block_start`/`_delta`/`_stop`,
 * `message_delta` with the stop reason, `message_stop`) or the whole message as JSON.
 */
import type { ConversationReading } from './conversation-text.ts';
import { asArray, estimateTokens, firstPromptText, isRecord, outputText } from './conversation-text.ts';
import type { ReplyItem, ToolOutput } from './script.ts';
import type { SseEvent } from './sse.ts';
import { sseEvent } from './sse.ts';

/** Tool input arrives in pieces of this size, as the API streams it, so clients must reassemble it. */
const INPUT_JSON_CHUNK = 24;

export function readMessagesRequest(body: Record<string, unknown>): ConversationReading {
  const outputs: ToolOutput[] = [];
  const userContents: unknown[] = [];
  for (const message of asArray(body.messages)) {
    if (!isRecord(message) || message.role !== 'user') {
      continue;
    }
    userContents.push(message.content);
    for (const block of asArray(message.content)) {
      if (isRecord(block) && block.type === 'tool_result') {
        outputs.push({ callId: String(block.tool_use_id ?? ''), output: outputText(block.content) });
      }
    }
  }
  return { step: outputs.length, outputs, firstUserText: firstPromptText(userContents), hasTools: asArray(body.tools).length > 0 };
}

export interface MessageInput {
  body: Record<string, unknown>;
  items: readonly ReplyItem[];
  messageId: string;
  /** The conversation's step; tool_use ids count on from it so they stay unique within a conversation. */
  step: number;
  inputTokens: number;
}

function describeCommand(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `Run ${oneLine.slice(0, 57)}...` : `Run ${oneLine}`;
}

export function contentBlocks(input: MessageInput): Record<string, unknown>[] {
  let calls = 0;
  return input.items.map((item) => {
    if (item.type === 'text') {
      return { type: 'text', text: item.text };
    }
    const id = `toolu_fake_${input.step + calls}`;
    calls += 1;
    if (item.type === 'shell') {
      return { type: 'tool_use', id, name: 'Bash', input: { command: item.command, description: item.description ?? describeCommand(item.command) } };
    }
    const name = item.server === undefined ? item.name : `mcp__${item.server}__${item.name}`;
    return { type: 'tool_use', id, name, input: item.args };
  });
}

function stopReason(items: readonly ReplyItem[]): string {
  return items.some((item) => item.type !== 'text') ? 'tool_use' : 'end_turn';
}

function usage(inputTokens: number, outputTokens: number): Record<string, number> {
  return { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens };
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) {
    out.push(text.slice(at, at + size));
  }
  return out;
}

function blockEvents(block: Record<string, unknown>, index: number): SseEvent[] {
  if (block.type === 'text') {
    return [
      sseEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      sseEvent('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }),
      sseEvent('content_block_stop', { index }),
    ];
  }
  return [
    sseEvent('content_block_start', { index, content_block: { ...block, input: {} } }),
    ...chunks(JSON.stringify(block.input), INPUT_JSON_CHUNK).map((partial) => sseEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: partial } })),
    sseEvent('content_block_stop', { index }),
  ];
}

export function messagesStream(input: MessageInput): SseEvent[] {
  const blocks = contentBlocks(input);
  const outputTokens = estimateTokens(JSON.stringify(blocks));
  return [
    sseEvent('message_start', {
      message: { id: input.messageId, type: 'message', role: 'assistant', model: input.body.model ?? null, content: [], stop_reason: null, stop_sequence: null, usage: usage(input.inputTokens, 1) },
    }),
    ...blocks.flatMap(blockEvents),
    sseEvent('message_delta', { delta: { stop_reason: stopReason(input.items), stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    sseEvent('message_stop'),
  ];
}

export function messagesJson(input: MessageInput): Record<string, unknown> {
  const blocks = contentBlocks(input);
  return {
    id: input.messageId,
    type: 'message',
    role: 'assistant',
    model: input.body.model ?? null,
    content: blocks,
    stop_reason: stopReason(input.items),
    stop_sequence: null,
    usage: usage(input.inputTokens, estimateTokens(JSON.stringify(blocks))),
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function messagesError(status: number, message: string): Record<string, unknown> {
  return { type: 'error', error: { type: ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message } };
}
