/**
 * Held work for the errors screen (docs/domain.md §8.2, edge
 * routes/staff-held.ts): deliveries a repository's inbox parked and GitHub
 * writes its installation's outbox gave up on. Each can be replayed (or
 * retried) once its cause is fixed, or dropped, by a project admin.
 */
import type { FetchLike } from './api.ts';
import { isRecord } from './run.ts';
import { invalidResponse, staffRequest } from './staff-request.ts';

export const HELD_PATH = '/api/v1/staff/errors/held';

export type HeldFailure = { name: string; code: string | null };

export type ParkedDelivery = {
  repository_id: number | null;
  repository_full_name: string | null;
  project_id: string | null;
  sequence: number;
  delivery_id: string;
  event: string;
  received_at: string;
  error: HeldFailure | null;
  parked_at: string | null;
};

export type DeadWrite = {
  installation_id: number;
  sequence: number;
  kind: string;
  key: string;
  repository_id: number | null;
  repository_full_name: string | null;
  project_id: string | null;
  thread_number: number | null;
  error: { kind: string; status: number | null };
  attempts: number;
  failed_at: string;
};

export type HeldWork = { parked: ParkedDelivery[]; dead: DeadWrite[]; truncated: boolean };

type Options = { fetch: FetchLike; signal?: AbortSignal };

export async function fetchHeldWork(options: Options): Promise<HeldWork> {
  return toHeldWork(await staffRequest(options.fetch, 'GET', HELD_PATH, { signal: options.signal }));
}

const parkedPath = (p: ParkedDelivery): string => `/api/v1/staff/errors/parked/${p.repository_id ?? 'none'}/${p.sequence}`;
const deadPath = (d: DeadWrite): string => `/api/v1/staff/errors/dead-writes/${d.installation_id}/${d.sequence}`;

export async function replayParked(parked: ParkedDelivery, options: Options): Promise<string> {
  const body = await staffRequest(options.fetch, 'POST', `${parkedPath(parked)}/replay`, { signal: options.signal });
  const outcome = isRecord(body) && typeof body['outcome'] === 'string' ? body['outcome'] : 'applied';
  return outcome === 'accepted' ? 'Replayed: a run was created.' : `Replayed (${outcome}).`;
}

export async function discardParked(parked: ParkedDelivery, options: Options): Promise<void> {
  await staffRequest(options.fetch, 'DELETE', parkedPath(parked), { signal: options.signal });
}

export async function retryDeadWrite(dead: DeadWrite, options: Options): Promise<string> {
  const body = await staffRequest(options.fetch, 'POST', `${deadPath(dead)}/retry`, { signal: options.signal });
  return isRecord(body) && body['outcome'] === 'superseded' ? 'A newer write of the same thing is queued; this one was dropped.' : 'Queued again.';
}

export async function discardDeadWrite(dead: DeadWrite, options: Options): Promise<void> {
  await staffRequest(options.fetch, 'DELETE', deadPath(dead), { signal: options.signal });
}

export function toHeldWork(body: unknown): HeldWork {
  if (!isRecord(body) || !Array.isArray(body['parked_deliveries']) || !Array.isArray(body['dead_writes'])) {
    throw invalidResponse('The held work list');
  }
  return {
    parked: body['parked_deliveries'].map(toParked).filter((p): p is ParkedDelivery => p !== null),
    dead: body['dead_writes'].map(toDead).filter((d): d is DeadWrite => d !== null),
    truncated: body['truncated'] === true,
  };
}

const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const intOrNull = (v: unknown): number | null => (int(v) ? v : null);
const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toParked(raw: unknown): ParkedDelivery | null {
  if (!isRecord(raw) || !int(raw['sequence']) || typeof raw['delivery_id'] !== 'string' || typeof raw['event'] !== 'string' || typeof raw['received_at'] !== 'string') {
    return null;
  }
  const error = raw['error'];
  return {
    repository_id: intOrNull(raw['repository_id']),
    repository_full_name: textOrNull(raw['repository_full_name']),
    project_id: textOrNull(raw['project_id']),
    sequence: raw['sequence'],
    delivery_id: raw['delivery_id'],
    event: raw['event'],
    received_at: raw['received_at'],
    error: isRecord(error) && typeof error['name'] === 'string' ? { name: error['name'], code: textOrNull(error['code']) } : null,
    parked_at: textOrNull(raw['parked_at']),
  };
}

function toDead(raw: unknown): DeadWrite | null {
  if (
    !isRecord(raw) ||
    !int(raw['installation_id']) ||
    !int(raw['sequence']) ||
    typeof raw['kind'] !== 'string' ||
    typeof raw['key'] !== 'string' ||
    !isRecord(raw['error']) ||
    typeof raw['error']['kind'] !== 'string' ||
    typeof raw['failed_at'] !== 'string'
  ) {
    return null;
  }
  return {
    installation_id: raw['installation_id'],
    sequence: raw['sequence'],
    kind: raw['kind'],
    key: raw['key'],
    repository_id: intOrNull(raw['repository_id']),
    repository_full_name: textOrNull(raw['repository_full_name']),
    project_id: textOrNull(raw['project_id']),
    thread_number: intOrNull(raw['thread_number']),
    error: { kind: raw['error']['kind'], status: intOrNull(raw['error']['status']) },
    attempts: int(raw['attempts']) ? raw['attempts'] : 0,
    failed_at: raw['failed_at'],
  };
}
