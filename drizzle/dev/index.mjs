export { startWsProxy } from './ws-proxy.mjs';
export { startPostgres, findPostgresBin, freePort } from './postgres.mjs';
export { startPglite } from './pglite.mjs';
export { migrateDatabase, MIGRATIONS_DIR } from './migrate.mjs';
export { seedProject, hashToken } from './seed.mjs';
export { startDatabase } from './start-database.mjs';
