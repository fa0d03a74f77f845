/**
 * One WebSocket message per burst of Postgres protocol messages.
 *
 * The Neon driver writes a query as five protocol messages (Parse, Bind,
 * Describe, Execute, Sync) in one synchronous run. Sent one by one, that is
 * five WebSocket sends in the Worker and five frames for the proxy and the
 * server to handle. The driver's own coalescing (`coalesceWrites`) flushes on
 * a `setTimeout(0)`, which costs a timer tick per round trip in workerd. This
 * replaces the socket's `rawWrite` so that writes queue until the writing
 * code yields (one microtask) and go out as one message; `end` sends what is
 * queued before the socket closes, so nothing is dropped.
 */

/** The parts of the driver's socket this touches. */
export interface DriverSocket {
  ws: { send(data: Uint8Array): void } | null;
  rawWrite(data: Uint8Array): void;
  end(...args: unknown[]): unknown;
  queuedWrites?: Uint8Array[];
}

export interface SocketClass {
  prototype: DriverSocket;
}

export function flushWrites(socket: DriverSocket): void {
  const queued = socket.queuedWrites;
  if (queued === undefined) {
    return;
  }
  socket.queuedWrites = undefined;
  let data = queued[0];
  if (queued.length > 1) {
    data = new Uint8Array(queued.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of queued) {
      data.set(b, at);
      at += b.length;
    }
  }
  if (data !== undefined) {
    socket.ws?.send(data);
  }
}

export function coalesceWritesPerTurn(socketClass: SocketClass): void {
  const proto = socketClass.prototype;
  const end = proto.end;
  proto.rawWrite = function rawWrite(this: DriverSocket, data: Uint8Array) {
    if (this.queuedWrites === undefined) {
      this.queuedWrites = [data];
      queueMicrotask(() => flushWrites(this));
    } else {
      this.queuedWrites.push(data);
    }
  };
  proto.end = function endAfterFlush(this: DriverSocket, ...args: unknown[]) {
    flushWrites(this);
    return end.apply(this, args);
  };
}
