import { describe, expect, it } from 'vitest';
import { echoCloseCode } from './ws-close.ts';

describe('echoCloseCode', () => {
  it('echoes codes an endpoint may send and answers reserved or invalid ones with 1000', () => {
    expect([1000, 1001, 1011, 4000, 4403].map(echoCloseCode)).toEqual([1000, 1001, 1011, 4000, 4403]);
    expect([1005, 1006, 1015, 0, 999, 5000].map(echoCloseCode)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });

  it('gives codes a WebSocket in workerd accepts', () => {
    const pair = new WebSocketPair();
    const [, server] = Object.values(pair) as [WebSocket, WebSocket];
    server.accept();
    // 1005 itself would throw InvalidAccessError here.
    expect(() => server.close(1005, 'x')).toThrow();
    expect(() => server.close(echoCloseCode(1005), 'x')).not.toThrow();
  });
});
