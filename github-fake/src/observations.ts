/** What the fake saw: every API and git request, and every way a request (or the fake itself) broke the contract. */
import type { TokenKind } from './caller-auth.ts';
import type { ViolationKind } from './request-validation.ts';

export interface RequestLogEntry {
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
  tokenKind: TokenKind;
  operationId: string | null;
  installationId: number | null;
  at: number;
}

export interface Violation {
  kind: ViolationKind;
  method: string;
  path: string;
  operationId: string | null;
  /** One line per problem, e.g. `"body" wasn't supplied.` */
  details: string[];
}

/** API requests whose path contains `pathContains` wait until released (a slow GitHub, on cue). */
export interface RequestHold {
  pathContains: string;
  /** Requests waiting now. */
  waiting: number;
  release: () => void;
  released: Promise<void>;
}

export interface Observations {
  requests: RequestLogEntry[];
  violations: Violation[];
  holds: RequestHold[];
}

export function createHold(pathContains: string): RequestHold {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { pathContains, waiting: 0, release, released };
}

/** Waits while a hold matches the request's path (`holdRequests`). */
export async function waitForHolds(observations: Observations, path: string): Promise<void> {
  const hold = observations.holds.find((h) => path.includes(h.pathContains));
  if (hold !== undefined) {
    hold.waiting += 1;
    await hold.released;
    hold.waiting -= 1;
  }
}
