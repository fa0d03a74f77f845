/**
 * A bare agent WebSocket for the fuzz suite: sends whatever it is given
 * (text or binary) and hands back what the edge answers, one message at a
 * time, or the close. The real agent (cluster-agent/src/connection/) would
 * never send these frames.
 */
import WebSocket from 'ws';

export type Incoming = { kind: 'message'; text: string; binary: boolean } | { kind: 'close'; code: number; reason: string } | { kind: 'timeout' };

export class AgentSocket {
  private readonly queue: Incoming[] = [];
  private waiter: ((m: Incoming) => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  private readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, binary) => this.push({ kind: 'message', text: Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'), binary }));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this.push({ kind: 'close', ...this.closed });
    });
    // An error is followed by a close; the close is what the caller sees.
    ws.on('error', () => undefined);
  }

  static open(edgeUrl: string, token: string, instanceId: string): Promise<AgentSocket> {
    const ws = new WebSocket(`${edgeUrl.replace(/^http/, 'ws')}/agent/connect`, { headers: { authorization: `Bearer ${token}`, 'x-stageline-instance-id': instanceId }, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new AgentSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`agent connect answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  private push(m: Incoming): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(m);
    } else {
      this.queue.push(m);
    }
  }

  send(message: string | Buffer): void {
    this.ws.send(message, { binary: Buffer.isBuffer(message) });
  }

  /** The next message or close, or `timeout` after `ms`. */
  next(ms: number): Promise<Incoming> {
    const queued = this.queue.shift();
    if (queued !== undefined) {
      return Promise.resolve(queued);
    }
    if (this.closed) {
      return Promise.resolve({ kind: 'close', ...this.closed });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve({ kind: 'timeout' });
      }, ms);
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  /** Close normally (1000): not 1001, which tells the edge the instance is going away for good. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    const done = new Promise<void>((r) => this.ws.once('close', () => r()));
    this.ws.close(1000, 'fuzz done');
    await done;
  }
}
