import { defineConfig } from 'drizzle-kit';

// `casing` must match the drizzle() calls in edge/src/db/client.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema',
  out: './migrations',
  casing: 'snake_case',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:15432/postgres' },
});
