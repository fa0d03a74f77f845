// A Postgres wire-protocol server over one PGlite instance that keeps client
// sessions apart. PGlite is a single backend: every connection shares its
// transaction state, its unnamed prepared statement and portal, and its
// "skip until Sync" state after an error. Forwarding messages from several
// connections as they arrive interleaves them (one client's Bind lands on
// another's Parse: 08P01, 26000, 34000; one client's INSERT runs inside
// another's transaction and is rolled back with it).
//
// So the backend has one holder at a time: the connection whose message it
// ran last keeps it until the backend answers ReadyForQuery with status 'I'
// (idle: no open transaction, no unfinished extended-protocol exchange).
// Meanwhile the other connections' messages wait, in arrival order. The
// effect is that transactions run one after another, never interleaved. A
// holder that disconnects mid-exchange or mid-transaction is reset (Sync,
// then ROLLBACK) before the next connection gets the backend.
import net from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
const ROLLBACK = simpleQuery('ROLLBACK');

/** @param {string} sql */
function simpleQuery(sql) {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('Q', 0, 'latin1');
  head.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([head, text]);
}

/**
 * The status byte of the last ReadyForQuery in a complete backend answer, or
 * null when the answer has none (the exchange is not finished).
 * @param {Buffer} out
 * @returns {string | null}
 */
export function lastReadyStatus(out) {
  let status = null;
  let at = 0;
  while (at + 5 <= out.length) {
    const type = out[at];
    const len = out.readInt32BE(at + 1);
    if (type === 0x5a && len === 5 && at + 6 <= out.length) {
      status = String.fromCharCode(out[at + 5]);
    }
    at += 1 + len;
  }
  return status;
}

/**
 * @typedef {{ socket: net.Socket, inbox: Buffer, started: boolean, queue: Buffer[], closed: boolean }} Session
 */

/**
 * @param {{ db: import('@electric-sql/pglite').PGlite, host: string, port: number, maxConnections?: number }} opts
 * @returns {Promise<{ port: number, stop: () => Promise<void>, connections: () => number }>}
 */
export async function servePglite(opts) {
  const { db } = opts;
  const maxConnections = opts.maxConnections ?? 256;
  /** @type {Set<Session>} */
  const sessions = new Set();
  /** Connections with messages waiting, in the order they first queued. */
  /** @type {Session[]} */
  const waiting = [];
  /** @type {Session | null} */
  let holder = null;
  /** @type {Promise<void> | null} */
  let pumping = null;

  /** Run one message on the backend; the complete answer. */
  const exec = async (/** @type {Buffer} */ message) => {
    /** @type {Buffer[]} */
    const chunks = [];
    await db.runExclusive(() =>
      db.execProtocolRawStream(new Uint8Array(message), { onRawData: (c) => chunks.push(Buffer.from(c)) }),
    );
    return Buffer.concat(chunks);
  };

  /** Leave the backend idle after a holder went away mid-exchange or mid-transaction. */
  const reset = async () => {
    const status = lastReadyStatus(await exec(SYNC));
    if (status === 'T' || status === 'E') {
      await exec(ROLLBACK);
    }
  };

  const pump = () => {
    pumping ??= drain().finally(() => {
      pumping = null;
    });
    return pumping;
  };

  const drain = async () => {
    for (;;) {
      if (holder?.closed) {
        await reset().catch(() => undefined);
        holder = null;
      }
      const next = holder ?? waiting.shift();
      if (next === undefined) {
        return;
      }
      const message = next.queue.shift();
      if (message === undefined) {
        if (next === holder) {
          // The holder has not sent its next message yet; everyone else waits.
          return;
        }
        continue;
      }
      let out;
      try {
        out = await exec(message);
      } catch {
        // PGlite itself failed on this message: end that session and reset the backend.
        next.socket.destroy();
        next.closed = true;
        holder = next;
        continue;
      }
      if (!next.closed && out.length > 0) {
        next.socket.write(out);
      }
      holder = lastReadyStatus(out) === 'I' ? null : next;
      if (holder === null && next.queue.length > 0 && !next.closed) {
        // Its further messages wait behind the connections that queued meanwhile.
        waiting.push(next);
      }
    }
  };

  const enqueue = (/** @type {Session} */ s, /** @type {Buffer} */ message) => {
    s.queue.push(message);
    if (holder !== s && !waiting.includes(s)) {
      waiting.push(s);
    }
    void pump();
  };

  const onData = (/** @type {Session} */ s, /** @type {Buffer} */ chunk) => {
    s.inbox = s.inbox.length === 0 ? chunk : Buffer.concat([s.inbox, chunk]);
    while (!s.closed) {
      if (!s.started) {
        // Untyped messages: SSL/GSS negotiation, cancel, then the startup message.
        if (s.inbox.length < 8) {
          return;
        }
        const len = s.inbox.readInt32BE(0);
        const code = s.inbox.readInt32BE(4);
        if (s.inbox.length < len) {
          return;
        }
        const message = s.inbox.subarray(0, len);
        s.inbox = s.inbox.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          s.socket.write('N');
        } else if (code === CANCEL_REQUEST) {
          // Not supported (one backend, no separate process to signal).
          s.socket.destroy();
        } else {
          s.started = true;
          enqueue(s, Buffer.from(message));
        }
        continue;
      }
      if (s.inbox.length < 5) {
        return;
      }
      const len = 1 + s.inbox.readInt32BE(1);
      if (s.inbox.length < len) {
        return;
      }
      const message = Buffer.from(s.inbox.subarray(0, len));
      s.inbox = s.inbox.subarray(len);
      if (message[0] === 0x58) {
        // Terminate: the session ends here; the backend lives on for the others.
        s.socket.end();
        return;
      }
      enqueue(s, message);
    }
  };

  const onClose = (/** @type {Session} */ s) => {
    s.closed = true;
    s.queue.length = 0;
    sessions.delete(s);
    const at = waiting.indexOf(s);
    if (at !== -1) {
      waiting.splice(at, 1);
    }
    void pump();
  };

  const server = net.createServer((socket) => {
    if (sessions.size >= maxConnections) {
      socket.end('Too many connections\n');
      return;
    }
    socket.setNoDelay(true);
    /** @type {Session} */
    const s = { socket, inbox: Buffer.alloc(0), started: false, queue: [], closed: false };
    sessions.add(s);
    socket.on('data', (chunk) => onData(s, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => onClose(s));
  });
  await db.waitReady;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(undefined));
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : opts.port,
    connections: () => sessions.size,
    /** Close the socket and every connection; resolves once the backend is idle again. */
    stop: async () => {
      await new Promise((resolve) => {
        for (const s of sessions) {
          s.socket.destroy();
        }
        server.close(() => resolve(undefined));
      });
      while (pumping !== null) {
        await pumping;
      }
    },
  };
}
