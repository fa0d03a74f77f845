/**
 * Runs `load` now, every `intervalMs` while the page is visible, and at once
 * when it becomes visible again (a hidden tab does not poll). Returns `stop`.
 */
export type VisibilityTarget = Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;

export function startVisiblePoll(load: () => void, intervalMs: number, doc: VisibilityTarget = document): () => void {
  const tick = (): void => {
    if (doc.visibilityState === 'visible') {
      load();
    }
  };
  load();
  const timer = setInterval(tick, intervalMs);
  doc.addEventListener('visibilitychange', tick);
  return () => {
    clearInterval(timer);
    doc.removeEventListener('visibilitychange', tick);
  };
}
