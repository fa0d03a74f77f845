// Types for the dev/test database helpers (plain .mjs so Node runs them as-is).
export interface StartedDatabase {
  kind: 'postgres' | 'pglite';
  url: string;
  wsProxy: string;
  /** The ws proxy's own process id when `proxyProcess` was set, else null (it runs in the caller). */
  proxyPid: number | null;
  /** Database sessions open through the ws proxy now (the edge's connections). */
  connections(): number;
  /** Stop the server (an outage); the data and the ws proxy stay. */
  stopServer(): Promise<void>;
  /** Start the same server again on the same port with its data. */
  startServer(): Promise<void>;
  stop(): Promise<void>;
}
export function startDatabase(opts?: { kind?: 'auto' | 'postgres' | 'pglite'; dataDir?: string; pgPort?: number; proxyPort?: number; proxyProcess?: boolean }): Promise<StartedDatabase>;
export function startWsProxy(opts?: { port?: number; fixedTarget?: string; onCount?: (open: number) => void }): Promise<{ port: number; wsProxy: string; connections(): number; close(): Promise<void> }>;
export function startPostgres(opts?: { port?: number }): Promise<{ url: string; port: number; dir: string; stop(): Promise<void>; stopServer(): Promise<void>; startServer(): Promise<void> }>;
export function startPglite(opts?: { dataDir?: string; port?: number }): Promise<{ url: string; port: number; stop(): Promise<void>; stopServer(): Promise<void>; startServer(): Promise<void> }>;
export function findPostgresBin(): string | null;
export function freePort(): Promise<number>;
export function migrateDatabase(url: string): Promise<void>;
export const MIGRATIONS_DIR: string;
export function hashToken(token: string): string;
export function seedProject(
  url: string,
  s: { clusterId: string; clusterToken: string; projectSlug: string; repoFullName: string; repoExternalId: number },
): Promise<{ projectId: string; repositoryId: string }>;
