/**
 * /readyz as a pure decision: ready when the edge was heard from recently (a
 * welcomed socket or a good HTTP fallback poll within two heartbeat
 * intervals) and the last Kubernetes API call succeeded.
 */

export interface ReadinessInput {
  now: number;
  /** The window: two heartbeat (or fallback poll) intervals. */
  windowMs: number;
  edge: { lastContactAt: number | undefined; compatible: boolean | undefined };
  /** Outcome of the last Kubernetes API call; undefined before the first. */
  kubeOk: boolean | undefined;
}

export type NotReadyReason = 'edge_incompatible' | 'edge_unreachable' | 'kubernetes_api_failing' | 'kubernetes_api_unchecked';

export type Readiness = { ready: true } | { ready: false; reason: NotReadyReason };

/** @example decideReadiness({ now: 10, windowMs: 5, edge: { lastContactAt: 8, compatible: true }, kubeOk: true }) // { ready: true } */
export function decideReadiness(input: ReadinessInput): Readiness {
  if (input.edge.compatible === false) {
    return { ready: false, reason: 'edge_incompatible' };
  }
  const contact = input.edge.lastContactAt;
  if (contact === undefined || input.now - contact > input.windowMs) {
    return { ready: false, reason: 'edge_unreachable' };
  }
  if (input.kubeOk === undefined) {
    return { ready: false, reason: 'kubernetes_api_unchecked' };
  }
  return input.kubeOk ? { ready: true } : { ready: false, reason: 'kubernetes_api_failing' };
}
