/**
 * `runs.query` → `runs.state`: the namespace sweeper asks the edge which runs
 * are still active before it deletes anything (docs/domain.md §5.8). Over the
 * socket an answer is matched by `ref`; over HTTP the query rides in a batch
 * behind a hello. No answer (timeout, socket lost, HTTP error) is
 * `undefined`, and the caller then deletes nothing.
 */
import type { HelloFrame, RunState, RunsQueryFrame } from '@stageline/protocol';
import type { NextFrameId } from './frame-ids.ts';
import { postFrames } from './http-fallback.ts';

/** The protocol's limit on run ids per query. */
export const MAX_QUERY_RUNS = 500;

type RunsStateFrame = { type: 'runs.state'; ref: string; runs: RunState[] };

export interface RunQueries {
  /** Send one query (≤ 500 ids) with `send`; resolves with the answer, or undefined. */
  ask(runIds: readonly string[], send: (frame: RunsQueryFrame) => boolean): Promise<RunState[] | undefined>;
  /** Deliver an answer; false when nobody asked (late or foreign). */
  settle(frame: RunsStateFrame): boolean;
  /** The socket went away: every open question stays unanswered. */
  abandonAll(): void;
}

export function createRunQueries(nextId: NextFrameId, timeoutMs: number): RunQueries {
  const open = new Map<string, { resolve: (runs: RunState[] | undefined) => void; timer: NodeJS.Timeout }>();
  const finish = (id: string, runs: RunState[] | undefined): boolean => {
    const waiting = open.get(id);
    if (!waiting) {
      return false;
    }
    open.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(runs);
    return true;
  };
  return {
    ask(runIds, send) {
      const id = nextId();
      return new Promise((resolve) => {
        const timer = setTimeout(() => finish(id, undefined), timeoutMs);
        open.set(id, { resolve, timer });
        if (!send({ type: 'runs.query', id, runIds: [...runIds] })) {
          finish(id, undefined);
        }
      });
    },
    settle: (frame) => finish(frame.ref, frame.runs),
    abandonAll() {
      [...open.keys()].forEach((id) => finish(id, undefined));
    },
  };
}

export interface HttpQueryInput {
  url: string;
  headers: Readonly<Record<string, string>>;
  hello: HelloFrame;
  nextId: NextFrameId;
  runIds: readonly string[];
  signal: AbortSignal;
  fetch?: typeof fetch;
}

/** One query over the HTTP fallback (also what `--sweep-once` uses: it opens no socket). */
export async function queryRunsOverHttp(input: HttpQueryInput): Promise<RunState[] | undefined> {
  const query: RunsQueryFrame = { type: 'runs.query', id: input.nextId(), runIds: [...input.runIds] };
  const reply = await postFrames({ url: input.url, headers: input.headers, frames: [input.hello, query], signal: input.signal, fetch: input.fetch });
  if (!reply.ok) {
    return undefined;
  }
  const answer = reply.value.frames.find((frame) => frame.type === 'runs.state' && frame.ref === query.id);
  return answer?.type === 'runs.state' ? answer.runs : undefined;
}

/** Ask in chunks of 500; any unanswered chunk makes the whole answer unknown. */
export async function askInChunks(runIds: readonly string[], ask: (chunk: readonly string[]) => Promise<RunState[] | undefined>): Promise<RunState[] | undefined> {
  const all: RunState[] = [];
  for (let start = 0; start < runIds.length; start += MAX_QUERY_RUNS) {
    const part = await ask(runIds.slice(start, start + MAX_QUERY_RUNS));
    if (part === undefined) {
      return undefined;
    }
    all.push(...part);
  }
  return all;
}
