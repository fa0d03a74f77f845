/**
 * The Errors screen's reason filter (docs/domain.md §8.3), kept in the page's
 * query string so a reload or a shared link shows the same list, as the runs
 * page keeps its filters (run-filter.ts):
 *
 *   /errors?reason=repository_not_bound
 *
 * The key and its limit are the staff API's (`GET /api/v1/staff/errors`,
 * edge/src/routes/staff-errors.ts: `reason` at most 100 characters), so the
 * value goes to the edge as it stands in the address.
 */
import type { QueryValues } from './run-filter.ts';

export const MAX_REASON_LENGTH = 100;

/** The reason in the query, trimmed; `''` (every reason) when absent, empty or too long for the edge. */
export function parseErrorsReason(query: QueryValues): string {
  const raw = query['reason'];
  const value = (typeof raw === 'string' ? raw : raw?.[0])?.trim() ?? '';
  return value.length > MAX_REASON_LENGTH ? '' : value;
}

/** The query for `setSearchParams`: `undefined` removes the key from the address. */
export function toErrorsQuery(reason: string): { reason: string | undefined } {
  const value = reason.trim();
  return { reason: value === '' ? undefined : value };
}
