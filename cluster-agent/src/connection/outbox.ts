/**
 * Frames the edge has not acknowledged yet, in send order. Every run.status and
 * log.append frame goes through here: after a reconnect (or in an HTTP
 * fallback batch) the agent re-sends them with the same ids and the edge
 * applies each id once, so nothing is lost and nothing is applied twice.
 * Heartbeats, hello and claims are not kept: they are re-made when needed.
 */
import type { LogAppendFrame, RunStatusFrame } from '@stageline/protocol';

export type OutboxFrame = RunStatusFrame | LogAppendFrame;

/** A frame before it gets its id. */
export type OutboxFrameBody = Omit<RunStatusFrame, 'id'> | Omit<LogAppendFrame, 'id'>;

export interface Outbox {
  /** Queue a frame; `now` (ms) is when it was (or will be) sent. */
  add(frame: OutboxFrame, now: number): void;
  /** Remove and return the frame with this id (ack, reject or error for it). */
  settle(ref: string): OutboxFrame | undefined;
  /** Drop every frame of a run's lease epoch (we lost it; the edge would refuse them). */
  dropRun(runId: string, epoch: number): number;
  /** Unacknowledged frames, oldest first. */
  pending(): readonly OutboxFrame[];
  /**
   * Frames last sent at or before `now - afterMs`, marked as sent again at
   * `now`: the ack was lost or the edge failed internally, so send once more.
   */
  takeOverdue(now: number, afterMs: number): readonly OutboxFrame[];
  /** Mark every pending frame as sent at `now` (all were just re-sent). */
  touchAll(now: number): void;
  /** Unacknowledged log chunks and when the oldest was queued (the log lag metrics). */
  logBacklog(): { frames: number; oldestQueuedAt: number | undefined };
  readonly size: number;
}

export function createOutbox(): Outbox {
  // Map keeps insertion order, which is the order the edge must see.
  const frames = new Map<string, OutboxFrame>();
  const sentAt = new Map<string, number>();
  const queuedAt = new Map<string, number>();
  const forget = (id: string): void => {
    frames.delete(id);
    sentAt.delete(id);
    queuedAt.delete(id);
  };
  return {
    add(frame, now) {
      frames.set(frame.id, frame);
      sentAt.set(frame.id, now);
      queuedAt.set(frame.id, now);
    },
    settle(ref) {
      const frame = frames.get(ref);
      forget(ref);
      return frame;
    },
    dropRun(runId, epoch) {
      let dropped = 0;
      for (const [id, frame] of frames) {
        if (frame.runId === runId && frame.epoch === epoch) {
          forget(id);
          dropped += 1;
        }
      }
      return dropped;
    },
    pending() {
      return [...frames.values()];
    },
    takeOverdue(now, afterMs) {
      const due: OutboxFrame[] = [];
      for (const [id, frame] of frames) {
        if ((sentAt.get(id) ?? 0) <= now - afterMs) {
          due.push(frame);
          sentAt.set(id, now);
        }
      }
      return due;
    },
    touchAll(now) {
      for (const id of frames.keys()) {
        sentAt.set(id, now);
      }
    },
    logBacklog() {
      let count = 0;
      let oldest: number | undefined;
      for (const [id, frame] of frames) {
        if (frame.type === 'log.append') {
          count += 1;
          // Insertion order: the first log frame is the oldest.
          oldest ??= queuedAt.get(id);
        }
      }
      return { frames: count, oldestQueuedAt: oldest };
    },
    get size() {
      return frames.size;
    },
  };
}
