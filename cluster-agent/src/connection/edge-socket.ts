/**
 * The outbound WebSocket to the edge (`GET /agent/connect` + bearer token),
 * kept alive forever: any close or refused upgrade (401 for a bad token, 5xx
 * during an edge deploy) schedules a reconnect with exponential backoff. It
 * only moves text: decoding happens here (a bad frame is logged and dropped,
 * never a crash), protocol state lives in edge-session.ts.
 *
 * Liveness: a WebSocket ping every `pingIntervalMs`; when the previous ping got
 * no pong by the next tick the socket is half-open and gets terminated.
 */
import { decodeEdgeFrame, type EdgeFrame } from '@stageline/protocol';
import WebSocket from 'ws';
import type { Logger } from '../lib/log.ts';
import type { Backoff } from './backoff.ts';

export interface EdgeSocketOptions {
  url: string;
  /** Sent on every upgrade request (Authorization, X-Stageline-Instance-Id). */
  headers: Readonly<Record<string, string>>;
  log: Logger;
  backoff: Backoff;
  pingIntervalMs: number;
  onOpen(): void;
  onFrame(frame: EdgeFrame): void;
  onClose(): void;
}

export interface EdgeSocket {
  /** Send one encoded frame; false when the socket is not open (nothing is queued here). */
  send(text: string): boolean;
  isOpen(): boolean;
  /** Resolves once the signal is aborted and the socket is closed. */
  readonly closed: Promise<void>;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

export function startEdgeSocket(options: EdgeSocketOptions, signal: AbortSignal): EdgeSocket {
  const { log, backoff } = options;
  let current: WebSocket | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const scheduleReconnect = (): void => {
    if (signal.aborted) {
      resolveClosed();
      return;
    }
    const delay = backoff.next();
    log.info('reconnecting to edge', { delayMs: delay, attempt: backoff.attempts });
    retryTimer = setTimeout(connect, delay);
  };

  const handleMessage = (data: WebSocket.RawData): void => {
    const decoded = decodeEdgeFrame(data.toString());
    if (!decoded.ok) {
      log.warn('dropped an invalid frame from the edge', { code: decoded.error.code, reason: decoded.error.message });
      return;
    }
    try {
      options.onFrame(decoded.value);
    } catch (error) {
      // A bug in frame handling must not take the connection (or the agent) down.
      log.error('frame handler failed', { frameType: decoded.value.type, error });
    }
  };

  function connect(): void {
    retryTimer = undefined;
    if (signal.aborted) {
      resolveClosed();
      return;
    }
    const ws = new WebSocket(options.url, { headers: { ...options.headers }, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    current = ws;
    let opened = false;
    let awaitingPong = false;
    let pingTimer: NodeJS.Timeout | undefined;

    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      const fields = { status, url: options.url };
      if (status === 401 || status === 403) {
        log.error('edge refused the agent socket: check STAGELINE_CLUSTER_TOKEN', fields);
      } else {
        log.warn('edge refused the agent socket', fields);
      }
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      opened = true;
      backoff.reset();
      log.info('connected to edge', { url: options.url });
      pingTimer = setInterval(() => {
        if (awaitingPong) {
          log.warn('edge socket missed a pong, terminating');
          ws.terminate();
          return;
        }
        awaitingPong = true;
        ws.ping();
      }, options.pingIntervalMs);
      options.onOpen();
    });
    ws.on('pong', () => {
      awaitingPong = false;
    });
    ws.on('message', handleMessage);
    ws.on('error', (error) => {
      log.debug('edge socket error', { error });
    });
    ws.on('close', (code, reason) => {
      clearInterval(pingTimer);
      if (current === ws) {
        current = undefined;
      }
      if (opened) {
        const fields = { code, reason: reason.toString().slice(0, 200) };
        if (signal.aborted) {
          log.info('edge socket closed', fields);
        } else {
          log.warn('edge socket closed', fields);
        }
        options.onClose();
      }
      scheduleReconnect();
    });
  }

  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(retryTimer);
      if (current) {
        current.close(1001, 'agent shutting down');
        // close() waits for the peer; do not let a silent edge delay shutdown.
        const ws = current;
        setTimeout(() => ws.terminate(), 2000).unref();
      } else {
        resolveClosed();
      }
    },
    { once: true },
  );
  connect();

  return {
    send(text) {
      if (current?.readyState !== WebSocket.OPEN) {
        return false;
      }
      current.send(text);
      return true;
    },
    isOpen() {
      return current?.readyState === WebSocket.OPEN;
    },
    closed,
  };
}
