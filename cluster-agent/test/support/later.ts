/**
 * Proof that the agent has moved on, for tests that assert something did not
 * happen: instead of sleeping, wait until the fake edge has received more of
 * what the agent sends on its own timers (claims, heartbeats, WebSocket pings).
 * They travel over the same socket as every other frame, in the order the
 * agent sent them, so anything it sent before them has arrived too; and timers
 * of one process fire in the order they are due, so a timer due earlier (a
 * reconcile tick, a sweep, a heartbeat) has run by then.
 */
import type { AgentFrame } from '@stageline/protocol';
import { expect, vi } from 'vitest';
import type { FakeEdge } from '../fakes/fake-edge-server.ts';

/** `count` more frames of `type` than the edge has received now. */
export async function moreFrames(edge: FakeEdge, type: AgentFrame['type'], count = 2): Promise<void> {
  const received = (): number => edge.received.filter((r) => r.frame.type === type).length;
  const target = received() + count;
  await vi.waitFor(() => expect(received()).toBeGreaterThanOrEqual(target), { timeout: 10_000, interval: 20 });
}

/**
 * `count` more WebSocket pings than now. The agent pings about once a second
 * (STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL, at least 1 s) whatever it
 * thinks of the edge, so this works while it sends no frames at all.
 */
export async function morePings(edge: FakeEdge, count = 2): Promise<void> {
  const target = edge.stats.pings + count;
  await vi.waitFor(() => expect(edge.stats.pings).toBeGreaterThanOrEqual(target), { timeout: 15_000, interval: 20 });
}
