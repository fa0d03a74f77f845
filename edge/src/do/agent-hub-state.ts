/**
 * Pure parts of the AgentHub: the per-socket session kept in the WebSocket
 * attachment (it survives hibernation) and who hears an announcement.
 */
import type { AgentSession } from '../domain/handle-agent-frame.ts';

export function parseAgentSession(raw: unknown): AgentSession | null {
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.clusterId !== 'string' || typeof r.instanceId !== 'string' || typeof r.helloDone !== 'boolean') {
    return null;
  }
  return { clusterId: r.clusterId, instanceId: r.instanceId, helloDone: r.helloDone };
}

/** Only agents that passed the version check may be offered runs. */
export function announceTargets<T>(sockets: readonly { socket: T; session: AgentSession | null }[]): T[] {
  return sockets.filter((s) => s.session?.helloDone === true).map((s) => s.socket);
}

/** 1001 "going away": the agent process is stopping on purpose (SIGTERM). */
export function isGracefulShutdown(code: number): boolean {
  return code === 1001;
}
