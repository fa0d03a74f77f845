/**
 * One container's log: stdout and stderr segments in arrival order, each
 * stamped with its arrival time (what the kubelet's CRI log file records).
 * Capped like the kubelet's 10 MiB rotation, dropping the oldest segments.
 */
import { toKubeNanoTime } from './kube-object.ts';

export interface LogSegment {
  time: Date;
  /** Ends with "\n" unless it is a partial line. */
  text: string;
}

export interface LogRenderOptions {
  tailLines: number | undefined;
  since: Date | undefined;
  timestamps: boolean;
}

export interface LogBuffer {
  append(chunk: string): void;
  segments(): readonly LogSegment[];
  /** Called for each new segment; returns an unsubscribe function. */
  subscribe(onSegment: (segment: LogSegment) => void, onClose: () => void): () => void;
  close(): void;
  readonly closed: boolean;
}

const MAX_BYTES = 10 * 1024 * 1024;

function splitSegments(chunk: string, time: Date): LogSegment[] {
  const parts = chunk.split(/(?<=\n)/);
  return parts.filter((p) => p !== '').map((text) => ({ time, text }));
}

export function createLogBuffer(): LogBuffer {
  const stored: LogSegment[] = [];
  const listeners = new Set<{ onSegment: (s: LogSegment) => void; onClose: () => void }>();
  let bytes = 0;
  let closed = false;

  return {
    append(chunk) {
      for (const segment of splitSegments(chunk, new Date())) {
        stored.push(segment);
        bytes += segment.text.length;
        listeners.forEach((l) => l.onSegment(segment));
      }
      while (bytes > MAX_BYTES && stored.length > 1) {
        bytes -= stored.shift()?.text.length ?? 0;
      }
    },
    segments: () => stored,
    subscribe(onSegment, onClose) {
      const listener = { onSegment, onClose };
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      listeners.forEach((l) => l.onClose());
      listeners.clear();
    },
    get closed() {
      return closed;
    },
  };
}

export function formatSegment(segment: LogSegment, timestamps: boolean): string {
  return timestamps ? `${toKubeNanoTime(segment.time)} ${segment.text}` : segment.text;
}

/** The segments `kubectl logs` would print for these options, oldest first. */
export function selectSegments(all: readonly LogSegment[], options: LogRenderOptions): LogSegment[] {
  const since = options.since;
  let selected = since ? all.filter((s) => s.time.getTime() >= since.getTime()) : [...all];
  if (options.tailLines !== undefined) {
    selected = tailLines(selected, options.tailLines);
  }
  return selected;
}

function tailLines(segments: LogSegment[], count: number): LogSegment[] {
  if (count <= 0) {
    return [];
  }
  const last = segments[segments.length - 1];
  // A trailing partial segment is the start of the last line.
  let lines = last && !last.text.endsWith('\n') ? 1 : 0;
  let start = segments.length;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i]?.text.endsWith('\n')) {
      if (lines === count) {
        break;
      }
      lines += 1;
    }
    start = i;
  }
  return segments.slice(start);
}
