/**
 * HTTP fallback while the socket is down: `POST <edge>/agent/v1/frames` with
 * the same headers as the upgrade and `{ frames: AgentFrame[] }`; the edge
 * answers `200 { frames: EdgeFrame[] }`, which are handled exactly like socket
 * frames. This keeps claims and reports flowing through proxies that break
 * WebSockets (docs/domain.md §3.5).
 */
import { err, ok, type Result } from '@stageline/policy';
import { decodeEdgeFrame, encodeFrame, type AgentFrame, type EdgeFrame, type FrameError } from '@stageline/protocol';

export type FallbackError =
  | { kind: 'unauthorized'; status: number }
  | { kind: 'http_error'; status: number; message: string }
  | { kind: 'network'; message: string }
  | { kind: 'bad_body'; message: string };

export interface FallbackReply {
  frames: EdgeFrame[];
  /** Entries of the reply that did not decode; the caller logs them. */
  invalid: FrameError[];
}

export interface PostFramesInput {
  url: string;
  headers: Readonly<Record<string, string>>;
  frames: readonly AgentFrame[];
  signal: AbortSignal;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export async function postFrames(input: PostFramesInput): Promise<Result<FallbackReply, FallbackError>> {
  const doFetch = input.fetch ?? fetch;
  const body = `{"frames":[${input.frames.map(encodeFrame).join(',')}]}`;
  let response: Response;
  try {
    response = await doFetch(input.url, {
      method: 'POST',
      headers: { ...input.headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs ?? 15_000)]),
    });
  } catch (error) {
    return err({ kind: 'network', message: error instanceof Error ? error.message : String(error) });
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    return err({ kind: 'unauthorized', status: response.status });
  }
  if (response.status !== 200) {
    const text = await response.text().catch(() => '');
    return err({ kind: 'http_error', status: response.status, message: text.slice(0, 200) });
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch (error) {
    return err({ kind: 'bad_body', message: error instanceof Error ? error.message : String(error) });
  }
  const list = typeof parsed === 'object' && parsed !== null ? (parsed as { frames?: unknown }).frames : undefined;
  if (!Array.isArray(list)) {
    return err({ kind: 'bad_body', message: 'expected { frames: [...] }' });
  }
  const reply: FallbackReply = { frames: [], invalid: [] };
  for (const entry of list) {
    const decoded = decodeEdgeFrame(JSON.stringify(entry));
    if (decoded.ok) {
      reply.frames.push(decoded.value);
    } else {
      reply.invalid.push(decoded.error);
    }
  }
  return ok(reply);
}
