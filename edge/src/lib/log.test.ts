import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, describeError, statementName } from './log.ts';

const TOKEN_HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** A server error as the Neon driver raises it: SQLSTATE, and a detail that may quote a value. */
function serverError(code: string, message: string, detail?: string): Error {
  return Object.assign(new Error(message), { name: 'NeonDbError', code, ...(detail === undefined ? {} : { detail }) });
}

function logged(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
}

describe('logging a failed query', () => {
  it('names the statement and its SQLSTATE, never its parameters or the server message', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const error = new DrizzleQueryError(
      'select "id", "name" from "clusters" where "clusters"."agent_token_hash" = $1 limit $2',
      [TOKEN_HASH, 1],
      serverError('22P02', `invalid input syntax for type uuid: "${TOKEN_HASH}"`, `Key (agent_token_hash)=(${TOKEN_HASH})`),
    );
    createLogger({ component: 'test' }).error('agent auth failed', { error });
    const [line] = logged(spy);
    expect(line?.error).toEqual({ name: 'Error<-NeonDbError', code: '22P02', statement: 'select clusters' });
    expect(JSON.stringify(spy.mock.calls)).not.toContain(TOKEN_HASH);
  });

  it('keeps the message of an error that carries no data', () => {
    expect(describeError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toEqual({
      name: 'TypeError',
      message: "Cannot read properties of undefined (reading 'id')",
    });
  });

  it('drops the message of a server error outside a query wrapper too', () => {
    expect(describeError(serverError('23505', `duplicate key value ${TOKEN_HASH}`))).toEqual({ name: 'NeonDbError', code: '23505' });
  });

  it.each([
    ['WITH d AS (INSERT INTO "webhook_deliveries" (delivery_id) VALUES ($1) RETURNING 1) SELECT 1', 'insert webhook_deliveries'],
    ['update "agent_runs" set "status" = $1 where "agent_runs"."id" = $2', 'update agent_runs'],
    ['delete from "realtime_events" where "created_at" < $1', 'delete realtime_events'],
    ['select count(*) from cluster_agent_instances', 'select cluster_agent_instances'],
    ['BEGIN', 'begin'],
  ])('names %s as %s', (sql, name) => {
    expect(statementName(sql)).toBe(name);
  });
});
