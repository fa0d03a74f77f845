import { describe, expect, it } from 'vitest';
import { coalesceWritesPerTurn, type DriverSocket } from './coalesce-writes.ts';

/** A socket shaped like the driver's: `rawWrite` sends at once, `end` closes. */
class FakeSocket implements DriverSocket {
  sent: number[][] = [];
  closed = false;
  ws: { send(data: Uint8Array): void } | null = { send: (data) => this.sent.push([...data]) };
  queuedWrites?: Uint8Array[];
  rawWrite(data: Uint8Array): void {
    this.ws?.send(data);
  }
  end(): this {
    this.closed = true;
    this.ws = null;
    return this;
  }
}
coalesceWritesPerTurn(FakeSocket);

describe('coalesceWritesPerTurn', () => {
  it('sends the writes of one synchronous run as one message, in order, once the writer yields', async () => {
    const socket = new FakeSocket();
    socket.rawWrite(Uint8Array.of(1, 2));
    socket.rawWrite(Uint8Array.of(3));
    socket.rawWrite(Uint8Array.of(4, 5, 6));
    expect(socket.sent).toEqual([]);
    await Promise.resolve();
    expect(socket.sent).toEqual([[1, 2, 3, 4, 5, 6]]);
    // The next burst is a message of its own.
    socket.rawWrite(Uint8Array.of(7));
    await Promise.resolve();
    expect(socket.sent).toEqual([[1, 2, 3, 4, 5, 6], [7]]);
  });

  it('sends what is queued before the socket closes', async () => {
    const socket = new FakeSocket();
    socket.rawWrite(Uint8Array.of(9));
    socket.rawWrite(Uint8Array.of(88)); // e.g. Terminate, written just before end()
    socket.end();
    expect(socket.sent).toEqual([[9, 88]]);
    expect(socket.closed).toBe(true);
    // The queued flush that runs later finds nothing to send.
    await Promise.resolve();
    expect(socket.sent).toEqual([[9, 88]]);
  });
});
