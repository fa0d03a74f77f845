/**
 * The runner's normalized events to the edge: numbered from 0 per attempt,
 * sent in batches, re-sent until acknowledged (the edge keeps each (run,
 * attempt, seq) once). Also printed as JSON lines, so the pod log (which the
 * cluster-agent ships) tells the same story.
 */
import type { EdgeClient } from './edge-client.ts';
import type { RunnerEvent } from './engines/engine.ts';

export interface EventStream {
  emit(event: RunnerEvent): void;
  /** Send everything emitted so far; resolves when the edge acknowledged it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BATCH = 200;
/** Text fields are cut to this size: the stream is a timeline, the pod log keeps the rest. */
const MAX_TEXT = 4000;

function trimmed(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' && v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v]));
}

export function createEventStream(edge: EdgeClient, options: { flushMs: number; print: (line: string) => void }): EventStream {
  const pending: Array<{ seq: number; kind: string; data: Record<string, unknown> }> = [];
  let seq = 0;
  let sending: Promise<void> = Promise.resolve();
  const send = async () => {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      const answer = await edge.call('POST', '/runner/v1/events', { events: batch });
      if (answer.status !== 200) {
        // A refusal (4xx: the token is no longer valid, the run ended) will not change on a retry.
        options.print(JSON.stringify({ level: 'warn', msg: 'events refused by the edge', status: answer.status }));
        pending.length = 0;
        return;
      }
      pending.splice(0, batch.length);
    }
  };
  const flush = () => {
    sending = sending.then(send).catch((error: unknown) => {
      options.print(JSON.stringify({ level: 'warn', msg: 'events not sent', error: error instanceof Error ? error.message : String(error) }));
    });
    return sending;
  };
  const timer = setInterval(() => void flush(), options.flushMs);
  timer.unref();
  return {
    emit(event) {
      const data = trimmed(event.data);
      pending.push({ seq: seq++, kind: event.kind, data });
      options.print(JSON.stringify({ level: 'info', msg: `runner ${event.kind}`, ...data }));
      if (event.kind === 'phase' || event.kind === 'finished') {
        void flush();
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
