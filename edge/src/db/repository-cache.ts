import type { KnownRepository } from './webhook-repo.ts';

/**
 * Repository bindings change rarely (onboarding), deliveries are frequent:
 * remember lookups briefly. Unknown repositories are remembered too, so a
 * flood from an unbound repository does not reach Postgres each time.
 */
export interface RepositoryCache {
  get(externalId: number, now: number): KnownRepository | null | undefined;
  set(externalId: number, repo: KnownRepository | null, now: number): void;
  /** Forget one binding (it just changed). */
  forget(externalId: number): void;
}

export function createRepositoryCache(ttlMs: number, maxEntries = 1000): RepositoryCache {
  const entries = new Map<number, { repo: KnownRepository | null; expires: number }>();
  return {
    get(externalId, now) {
      const hit = entries.get(externalId);
      if (hit === undefined || hit.expires <= now) {
        entries.delete(externalId);
        return undefined;
      }
      return hit.repo;
    },
    set(externalId, repo, now) {
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) {
          entries.delete(oldest.value);
        }
      }
      entries.set(externalId, { repo, expires: now + ttlMs });
    },
    forget(externalId) {
      entries.delete(externalId);
    },
  };
}
