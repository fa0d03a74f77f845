/**
 * Opaque keyset cursors for the staff lists (docs/domain.md §8.2): the sort
 * key of the last row of a page, `(created_at, id)` (for deliveries
 * `(received_at, delivery_id)`), base64url-encoded. The
 * timestamp keeps Postgres' microseconds, so rows created in the same
 * millisecond are neither skipped nor repeated.
 */
import { base64url } from 'jose';

export interface PageCursor {
  /** `2026-12-05T18:00:00.123456Z`, as Postgres stored it. */
  createdAt: string;
  id: string;
}

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const UUID_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** GitHub's `X-GitHub-Delivery` as the webhook route admits it (routes/github-webhooks.ts). */
export const DELIVERY_KEY = /^[A-Za-z0-9-]{1,100}$/;

export function encodeCursor(cursor: PageCursor): string {
  return base64url.encode(`${cursor.createdAt}|${cursor.id}`);
}

/** Null for anything this module did not make; `key` is what the list's second sort key looks like. */
export function decodeCursor(raw: string, key: RegExp = UUID_KEY): PageCursor | null {
  if (raw.length > 200) {
    return null;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64url.decode(raw));
  } catch {
    return null;
  }
  const [createdAt = '', id = '', extra] = text.split('|');
  return extra === undefined && TS.test(createdAt) && key.test(id) ? { createdAt, id } : null;
}
