// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { toRealtimeMessage } from './realtime-message.ts';

describe('toRealtimeMessage', () => {
  it('decodes an event frame, keeping the payload opaque', () => {
    const frame = JSON.stringify({ type: 'event', id: 7, topic: 'run.status', payload: { run: { id: 'r1' } } });
    expect(toRealtimeMessage(frame)).toEqual({ kind: 'event', id: 7, topic: 'run.status', payload: { run: { id: 'r1' } } });
  });

  it('decodes ready, reset and the plain-text pong', () => {
    expect(toRealtimeMessage('{"type":"ready","last_event_id":12}')).toEqual({ kind: 'ready', lastEventId: 12 });
    expect(toRealtimeMessage('{"type":"reset"}')).toEqual({ kind: 'reset' });
    expect(toRealtimeMessage('pong')).toEqual({ kind: 'pong' });
  });

  it.each([
    ['not json', 'hello'],
    ['a JSON array', '[1,2]'],
    ['an unknown type', '{"type":"snapshot"}'],
    ['an event without an id', '{"type":"event","topic":"run.status","payload":{}}'],
    ['an event with a negative id', '{"type":"event","id":-1,"topic":"run.status","payload":{}}'],
    ['an event with a fractional id', '{"type":"event","id":1.5,"topic":"run.status","payload":{}}'],
    ['ready without a cursor', '{"type":"ready"}'],
  ])('returns null for %s', (_name, frame) => {
    expect(toRealtimeMessage(frame)).toBeNull();
  });
});
