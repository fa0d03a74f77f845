/**
 * Which failed App webhook deliveries to redeliver (pure). GitHub does not
 * retry a delivery our edge failed to accept (a 5xx while Postgres and the
 * inbox were full, a timeout, a deploy gap); the reconciler asks for a
 * redelivery instead. Deliveries are grouped by GUID (`X-GitHub-Delivery`,
 * the same for the first delivery and every redelivery): a GUID with any OK attempt
 * is done; otherwise its newest failed attempt is redelivered, at most
 * `maxAttempts` times per GUID and not more often than `retryAfterMs`.
 */
import type { HookDelivery } from '../github/github-client.ts';

export interface RedeliveryPolicy {
  /** Only deliveries newer than this are considered (GitHub keeps about 3 days). */
  windowMs: number;
  maxAttempts: number;
  /** Minimum time between two redeliveries of one GUID (the previous one may still be pending). */
  retryAfterMs: number;
}

export const REDELIVERY_POLICY: RedeliveryPolicy = { windowMs: 24 * 3_600_000, maxAttempts: 3, retryAfterMs: 30 * 60_000 };

/** What we remember of earlier redeliveries of a GUID. */
export interface PastRedelivery {
  attempts: number;
  /** Epoch ms. */
  lastAttemptAt: number;
}

export type SkipReason = 'delivered' | 'outside_window' | 'attempts_exhausted' | 'recently_redelivered';

export interface RedeliveryPlan {
  redeliver: HookDelivery[];
  skipped: { guid: string; reason: SkipReason }[];
  /**
   * Failed deliveries GitHub may still bring (redelivered now, or earlier and
   * not yet answered): anything that would re-create them must wait.
   */
  pending: HookDelivery[];
}

/** GitHub marks an accepted delivery `status: "OK"` (any 2xx); anything else failed (4xx, 5xx, timeouts with code 0). */
export function isFailedDelivery(d: Pick<HookDelivery, 'status' | 'status_code'>): boolean {
  return d.status !== 'OK' || d.status_code >= 400;
}

export function planRedeliveries(deliveries: readonly HookDelivery[], past: ReadonlyMap<string, PastRedelivery>, now: number, policy: RedeliveryPolicy = REDELIVERY_POLICY): RedeliveryPlan {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) {
    byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  }
  const plan: RedeliveryPlan = { redeliver: [], skipped: [], pending: [] };
  for (const [guid, attempts] of byGuid) {
    const newest = attempts.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || (b.delivered_at === a.delivered_at && b.id > a.id) ? b : a));
    const previous = past.get(guid);
    const skip = (reason: SkipReason) => plan.skipped.push({ guid, reason });
    if (attempts.some((d) => !isFailedDelivery(d))) {
      skip('delivered');
    } else if (now - Date.parse(newest.delivered_at) > policy.windowMs) {
      skip('outside_window');
    } else if (previous !== undefined && previous.attempts >= policy.maxAttempts) {
      skip('attempts_exhausted');
    } else if (previous !== undefined && now - previous.lastAttemptAt < policy.retryAfterMs) {
      skip('recently_redelivered');
      plan.pending.push(newest);
    } else {
      plan.redeliver.push(newest);
      plan.pending.push(newest);
    }
  }
  return plan;
}
