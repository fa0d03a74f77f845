/** GitHub caps webhook payloads at 25 MiB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export type BodyResult = { kind: 'ok'; text: string } | { kind: 'too_large' } | { kind: 'not_utf8' };

/**
 * Read a request body without ever holding more than `max` bytes: the
 * Content-Length is checked first, then the stream is counted as it arrives.
 */
export async function readBodyCapped(req: Request, max: number): Promise<BodyResult> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > max) {
    return { kind: 'too_large' };
  }
  if (req.body === null) {
    return { kind: 'ok', text: '' };
  }
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { kind: 'too_large' };
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  try {
    return { kind: 'ok', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    // A body that is not UTF-8 cannot be GitHub's JSON; the caller answers 400.
    return { kind: 'not_utf8' };
  }
}
