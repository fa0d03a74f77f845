/**
 * Creates and drops project databases (docs/domain.md §7.7) on the PostgreSQL
 * admin connection of each environment, from `STAGELINE_DB_ADMIN_URL_<ENV>`
 * (Helm `databaseLifecycle.environments.<env>.adminSecretRef`). The edge has
 * already checked the name and the ownership; the name is checked again here
 * and always quoted. Connection strings are never logged.
 */
import pg from 'pg';

const NAME = /^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/;

export interface DatabaseAdmin {
  apply(input: { action: 'create' | 'delete'; environment: string; database: string }): Promise<{ ok: true; changed: boolean } | { ok: false; error: string }>;
}

/** `STAGELINE_DB_ADMIN_URL_DEV` → `dev` (underscores stand for hyphens). */
export function adminUrlsFrom(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const m = /^STAGELINE_DB_ADMIN_URL_([A-Z0-9_]+)$/.exec(key);
    if (m !== null && value !== undefined && value !== '') {
      urls[(m[1] ?? '').toLowerCase().replaceAll('_', '-')] = value;
    }
  }
  return urls;
}

export function createDatabaseAdmin(urls: Readonly<Record<string, string>>): DatabaseAdmin {
  return {
    async apply({ action, environment, database }) {
      const url = urls[environment];
      if (url === undefined) {
        return { ok: false, error: `no admin connection for environment ${environment} (set databaseLifecycle.environments.${environment})` };
      }
      if (!NAME.test(database)) {
        return { ok: false, error: 'invalid database name' };
      }
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      try {
        await client.connect();
        const exists = (await client.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1;
        const quoted = `"${database}"`;
        if (action === 'create') {
          if (exists) {
            return { ok: true, changed: false };
          }
          await client.query(`CREATE DATABASE ${quoted}`);
          return { ok: true, changed: true };
        }
        if (!exists) {
          return { ok: true, changed: false };
        }
        await client.query(`DROP DATABASE ${quoted} WITH (FORCE)`);
        return { ok: true, changed: true };
      } catch (error) {
        // pg's messages name the database, never the password of the URL.
        return { ok: false, error: (error instanceof Error ? error.message : 'database error').slice(0, 500) };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
