/**
 * Closing our side of a WebSocket the peer closed. The close code is echoed,
 * except the codes a peer's close can report but no endpoint may send (1005
 * "no status", 1006 "abnormal", 1015 "TLS failure"): workerd throws on those,
 * which left an uncaught exception for every agent that dropped its socket
 * without a code. They are answered with 1000.
 */
const RESERVED = new Set([1005, 1006, 1015]);

export function echoCloseCode(code: number): number {
  return RESERVED.has(code) || code < 1000 || code > 4999 ? 1000 : code;
}

export function closeInReply(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(echoCloseCode(code), reason);
  } catch {
    // Already closed on our side: nothing left to answer.
  }
}
