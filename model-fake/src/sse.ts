/** Server-sent events as both providers frame them: a named event whose data repeats the name as `type`. */

export interface SseEvent {
  type: string;
  data: Record<string, unknown>;
}

export function sseEvent(type: string, fields: Record<string, unknown> = {}): SseEvent {
  return { type, data: { type, ...fields } };
}

export function formatSse(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * The body of a `malformed_sse` fault: an event whose data is not JSON, a data
 * line with no event, then a truncated event. Both SDKs fail on the first; codex
 * skips unparsable events and then fails on the missing completion.
 */
export function malformedSse(firstEventType: string): string {
  return `event: ${firstEventType}\ndata: {"type":"${firstEventType}",\u0000 this is not json}\n\ndata: <<garbage>>\n\nevent: ${firstEventType}\ndata: {"type":`;
}
