/** Every request the fake receives, in arrival order, and waiting for the log to grow (no polling). */
import type { Provider } from './script.ts';

/**
 * `turn`: a model request the script answered; `side`: one answered without the
 * script (no tools offered, token counting); `other`: probes and unknown paths.
 */
export type RequestPurpose = 'turn' | 'side' | 'other';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/messages?beta=true`. */
  path: string;
  provider: Provider | null;
  purpose: RequestPurpose;
  /** The parsed JSON body; null without one or when it did not parse. */
  body: unknown;
  /** Epoch ms when the body had been read. */
  time: number;
  /** Epoch ms when the answer was fully written; null until then (the model's own time is `doneAt - time`). */
  doneAt: number | null;
  /** The conversation's step, for turns. */
  step: number | null;
  /**
   * What the fake answered: the reply kind (`steps`, `http_error`, …), `side`,
   * `not_found`, `script_error: …`; `pending` until decided (a hang is `hang` at once).
   */
  answer: string;
}

export interface RequestLog {
  readonly entries: readonly RecordedRequest[];
  add(entry: RecordedRequest): RecordedRequest;
  /** Resolves once at least `count` requests have been recorded. */
  waitFor(count: number): Promise<void>;
}

export function createRequestLog(): RequestLog {
  const entries: RecordedRequest[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    entries,
    add(entry) {
      entries.push(entry);
      const ready = waiters.filter((w) => entries.length >= w.count);
      waiters = waiters.filter((w) => entries.length < w.count);
      for (const waiter of ready) {
        waiter.resolve();
      }
      return entry;
    },
    waitFor(count) {
      if (entries.length >= count) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
  };
}
