// Concurrent sessions on the dev/test databases stay apart: each session's
// transactions and extended-protocol exchanges (Parse/Bind/Execute/Sync, as
// node-postgres and the Neon driver send them) run as if alone. PGlite has one
// backend for every connection, so this is what its socket server must keep.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findPostgresBin, startDatabase, type StartedDatabase } from '../dev/index.mjs';

/**
 * A client socket that sends each protocol message in its own packet, one
 * event-loop turn apart, as the edge's Neon driver does over its WebSocket
 * (coalesceWrites off, edge/src/db/client.ts). node-postgres alone writes a
 * query's Parse..Sync in one burst, which the server tends to read at once.
 */
class PacketSocket extends net.Socket {
  #sent: Promise<void> = Promise.resolve();

  override write(chunk: Uint8Array | string, encoding?: BufferEncoding | ((error?: Error | null) => void), cb?: (error?: Error | null) => void): boolean {
    const done = typeof encoding === 'function' ? encoding : cb;
    this.#sent = this.#sent.then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            if (this.destroyed) {
              resolve();
              return;
            }
            super.write(chunk, (error) => {
              done?.(error);
              resolve();
            });
          }),
        ),
    );
    return true;
  }
}

const packetStream = () => new PacketSocket();

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');

/** Parse, Bind and Execute of an unnamed INSERT, without the Sync that would end the exchange. */
function unfinishedExchange(key: string): Buffer {
  const value = Buffer.from(key, 'utf8');
  return Buffer.concat([
    message('P', cstr(''), cstr('INSERT INTO items (k, session) VALUES ($1, 0)'), int16(0)),
    message('B', cstr(''), cstr(''), int16(0), int16(1), int32(value.length), value, int16(0)),
    message('E', cstr(''), int32(0)),
  ]);
}

const kinds = findPostgresBin() === null ? (['pglite'] as const) : (['postgres', 'pglite'] as const);

describe.each(kinds)('%s', (kind) => {
  let db: StartedDatabase;
  beforeAll(async () => {
    db = await startDatabase({ kind });
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE items (k text PRIMARY KEY, session int NOT NULL, body jsonb)');
    await c.end();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('runs 8 sessions of parameterized transactions without interleaving them', async () => {
    const sessions = 8;
    const rounds = 25;
    const errors: string[] = [];
    const committed: string[] = [];
    const rolledBack: string[] = [];
    await Promise.all(
      Array.from({ length: sessions }, async (_, session) => {
        const c = new pg.Client({ connectionString: db.url, stream: packetStream });
        await c.connect();
        try {
          for (let round = 0; round < rounds; round++) {
            const key = `s${session}-r${round}`;
            try {
              await c.query('BEGIN');
              const inserted = await c.query<{ k: string }>(
                'INSERT INTO items (k, session, body) VALUES ($1, $2, $3) ON CONFLICT (k) DO NOTHING RETURNING k',
                [key, session, JSON.stringify({ round })],
              );
              // Inside its own transaction a session sees its own row, and only its own uncommitted one.
              const seen = await c.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE k = $1 AND session = $2', [key, session]);
              if (inserted.rows[0]?.k !== key || seen.rows[0]?.n !== '1') {
                errors.push(`${key}: inserted ${JSON.stringify(inserted.rows)}, seen ${seen.rows[0]?.n}`);
              }
              if (round % 5 === 4) {
                // A failing statement inside the transaction (a duplicate key), then ROLLBACK.
                await c.query('INSERT INTO items (k, session) VALUES ($1, $2)', [key, session]).then(
                  () => errors.push(`${key}: duplicate accepted`),
                  (error: { code?: string }) => {
                    if (error.code !== '23505') {
                      errors.push(`${key}: ${error.code}`);
                    }
                  },
                );
                await c.query('ROLLBACK');
                rolledBack.push(key);
              } else {
                await c.query('COMMIT');
                committed.push(key);
              }
            } catch (error) {
              errors.push(`${key}: ${(error as { code?: string }).code ?? String(error)}`);
              await c.query('ROLLBACK').catch(() => undefined);
            }
          }
        } finally {
          await c.end();
        }
      }),
    );
    expect(errors).toEqual([]);
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const rows = await check.query<{ k: string }>('SELECT k FROM items ORDER BY k');
      expect(rows.rows.map((r) => r.k)).toEqual([...committed].sort());
      expect(rolledBack).toHaveLength((sessions * rounds) / 5);
    } finally {
      await check.end();
    }
  });

  it('answers 300 concurrent statements of different shapes over 20 connections, each with its own result', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 20, stream: packetStream });
    try {
      // Three shapes, so a Bind that lands on another session's Parse shows: an insert
      // (2 parameters), a select (3 parameters) and a failing cast (an error, after
      // which the backend skips messages until its session's Sync).
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          try {
            if (i % 3 === 0) {
              const r = await pool.query<{ k: string }>('INSERT INTO items (k, session) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING RETURNING k', [`p-${i}`, -1]);
              return r.rows[0]?.k === `p-${i}` ? 'ok' : `insert ${i}: ${JSON.stringify(r.rows)}`;
            }
            if (i % 3 === 1) {
              const r = await pool.query<{ a: string; b: number; c: string }>('SELECT $1::text AS a, $2::int AS b, $3::text AS c', [`a${i}`, i, `c${i}`]);
              const row = r.rows[0];
              return row?.a === `a${i}` && row.b === i && row.c === `c${i}` ? 'ok' : `select ${i}: ${JSON.stringify(r.rows)}`;
            }
            await pool.query('SELECT $1::int AS n', [`not-a-number-${i}`]);
            return `cast ${i}: no error`;
          } catch (error) {
            const code = (error as { code?: string }).code;
            return i % 3 === 2 && code === '22P02' ? 'ok' : `${i}: ${code ?? String(error)}`;
          }
        }),
      );
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
      const stored = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM items WHERE k LIKE 'p-%'`);
      expect(stored.rows[0]?.n).toBe('100');
    } finally {
      await pool.end();
    }
  });

  it('gives the backend back when a session disconnects inside a transaction', async () => {
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    await a.query('BEGIN');
    await a.query('INSERT INTO items (k, session) VALUES ($1, $2)', ['abandoned', 99]);
    // Cut the socket without COMMIT or ROLLBACK, as a killed request does.
    a.on('error', () => undefined);
    const stream = (a as unknown as { connection: { stream: net.Socket } }).connection.stream;
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy();
    await closed;
    const b = new pg.Client({ connectionString: db.url });
    await b.connect();
    try {
      const rows = await b.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE k = $1', ['abandoned']);
      expect(rows.rows[0]?.n).toBe('0');
      // And b is not stuck inside a's transaction: its own commit is visible to a third session.
      await b.query('INSERT INTO items (k, session) VALUES ($1, $2)', ['after', 100]);
    } finally {
      await b.end();
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = await c.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE k = $1', ['after']);
      expect(rows.rows[0]?.n).toBe('1');
    } finally {
      await c.end();
    }
  });

  it('keeps 225 concurrent sessions whole while 75 others are cut mid-transaction and mid-query', async () => {
    // Requests that end while their connection is inside a transaction or an
    // unfinished extended-protocol exchange (workerd cuts a request's sockets):
    // the others must not lose their statements, rows or prepared portals.
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const c = new pg.Client({ connectionString: db.url });
        c.on('error', () => undefined);
        try {
          await c.connect();
          if (i % 4 === 0) {
            await c.query('BEGIN');
            await c.query('INSERT INTO items (k, session) VALUES ($1, $2)', [`cut-${i}`, i]);
            // Parse, Bind, Execute of a statement, and the socket closes before its Sync.
            const stream = (c as unknown as { connection: { stream: net.Socket } }).connection.stream;
            await new Promise<void>((resolve) => stream.write(unfinishedExchange(`cut-${i}`), () => resolve()));
            stream.destroy();
            return 'ok';
          }
          const r = await c.query<{ k: string }>('INSERT INTO items (k, session) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING RETURNING k', [`whole-${i}`, i]);
          await c.end();
          return r.rows[0]?.k === `whole-${i}` ? 'ok' : `${i}: answered ${JSON.stringify(r.rows)}`;
        } catch (error) {
          return `${i}: ${(error as { code?: string }).code ?? String(error)}`;
        }
      }),
    );
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const rows = await check.query<{ whole: string; cut: string }>(
        `SELECT count(*) FILTER (WHERE k LIKE 'whole-%') AS whole, count(*) FILTER (WHERE k LIKE 'cut-%') AS cut FROM items`,
      );
      expect(rows.rows[0]).toEqual({ whole: '225', cut: '0' });
    } finally {
      await check.end();
    }
  });
});
