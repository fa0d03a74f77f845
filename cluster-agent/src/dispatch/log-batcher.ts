/**
 * Batches pod log lines into log.append chunks: a chunk leaves after
 * `flushMs` (200 ms), at `maxLines` (100) lines, or before it would exceed
 * `maxBytes` of encoded JSON, whichever comes first, so a frame always stays
 * under the protocol's 256 KiB cap. Chunk numbers (`seq`) have no gaps: the
 * edge stores each (run, epoch, seq) once.
 *
 * Resuming a run of the same epoch (after an agent restart) re-reads the pod
 * log from the start: the first `skipLines` lines are already stored at the
 * edge and are dropped, and chunks continue at `startSeq`, so no line is lost
 * or doubled.
 */

/** The protocol's per-line limit (protocol/src/frames.ts). */
export const MAX_LINE_CHARS = 16 * 1024;

export interface LogBatcherOptions {
  onChunk(seq: number, lines: string[]): void;
  /** First chunk seq (the claim's `logSeq`); default 0. */
  startSeq?: number;
  /** Lines the edge already stored for this epoch (the claim's `logLines`); default 0. */
  skipLines?: number;
  flushMs?: number;
  maxLines?: number;
  maxBytes?: number;
}

export interface LogBatcher {
  push(line: string): void;
  /** Send what is buffered now. */
  flush(): void;
  /** Flush and stop; later pushes are ignored. */
  close(): void;
  /** Stop without sending (the run is no longer ours). */
  discard(): void;
  readonly nextSeq: number;
}

export function createLogBatcher(options: LogBatcherOptions): LogBatcher {
  const flushMs = options.flushMs ?? 200;
  const maxLines = options.maxLines ?? 100;
  const maxBytes = options.maxBytes ?? 192 * 1024;
  let buffer: string[] = [];
  let bytes = 0;
  let seq = options.startSeq ?? 0;
  let skip = options.skipLines ?? 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) {
      return;
    }
    const lines = buffer;
    buffer = [];
    bytes = 0;
    options.onChunk(seq, lines);
    seq += 1;
  };

  return {
    push(raw) {
      if (closed) {
        return;
      }
      if (skip > 0) {
        skip -= 1;
        return;
      }
      const line = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
      // Encoded size: escapes and multi-byte characters count as they go on the wire.
      const size = Buffer.byteLength(JSON.stringify(line)) + 1;
      if (bytes + size > maxBytes) {
        flush();
      }
      buffer.push(line);
      bytes += size;
      if (buffer.length >= maxLines) {
        flush();
      } else if (timer === undefined) {
        timer = setTimeout(flush, flushMs);
      }
    },
    flush,
    close() {
      flush();
      closed = true;
    },
    discard() {
      clearTimeout(timer);
      buffer = [];
      closed = true;
    },
    get nextSeq() {
      return seq;
    },
  };
}
