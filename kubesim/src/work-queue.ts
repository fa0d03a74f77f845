/**
 * A de-duplicating work queue, the client-go workqueue pattern in miniature:
 * controllers enqueue keys from store events and reconcile the current state
 * later (never inside the store's synchronous event dispatch, which would
 * reorder the watch history).
 */
export interface WorkQueue {
  add(key: string): void;
  stop(): void;
}

export function createWorkQueue(process: (key: string) => void, onError: (key: string, err: unknown) => void): WorkQueue {
  const pending = new Set<string>();
  let scheduled = false;
  let stopped = false;

  const drain = (): void => {
    scheduled = false;
    const keys = [...pending];
    pending.clear();
    for (const key of keys) {
      if (stopped) {
        return;
      }
      try {
        process(key);
      } catch (err) {
        onError(key, err);
      }
    }
  };

  return {
    add(key) {
      if (stopped) {
        return;
      }
      pending.add(key);
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    },
    stop() {
      stopped = true;
      pending.clear();
    },
  };
}
