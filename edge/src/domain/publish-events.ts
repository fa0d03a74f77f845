import type { RealtimeEvent } from '../db/realtime-repo.ts';
import { GLOBAL_SCOPE } from '../db/realtime-repo.ts';

/** After commit: hand committed events to the console channel (domain.md §8.4 step 2). */
export async function publishEvents(env: Pick<Env, 'CHANNEL'>, events: RealtimeEvent[]): Promise<void> {
  if (events.length === 0) {
    return;
  }
  const channel = env.CHANNEL.get(env.CHANNEL.idFromName(GLOBAL_SCOPE));
  await channel.publish(events);
}

/** After a run was created: tell the cluster's agents (domain.md §3.5). */
export async function announceRuns(env: Pick<Env, 'AGENT_HUB'>, clusterId: string, runIds: string[]): Promise<void> {
  const hub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(clusterId));
  await hub.announce(runIds);
}
