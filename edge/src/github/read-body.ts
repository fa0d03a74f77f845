/** GitHub caps webhook payloads at 25 MiB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * `bytes`: the body as received (the signature is checked over them); `text`: the same, decoded.
 * A body that is not UTF-8 keeps its bytes too: the caller tells a forged one (401) from a
 * signed but unreadable one (400) by its signature.
 */
export type BodyResult = { kind: 'ok'; text: string; bytes: Uint8Array } | { kind: 'too_large' } | { kind: 'not_utf8'; bytes: Uint8Array };

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
    return { kind: 'ok', text: '', bytes: new Uint8Array(0) };
  }
  if (req.headers.has('content-length')) {
    // HTTP framing bounds the body to the declared length, checked above: read it in one
    // piece (chunk by chunk cost about 1 ms of a delivery, docs/benchmarks.md). Checked
    // again after, for a caller inside the runtime whose header does not match its body.
    const bytes = new Uint8Array(await req.arrayBuffer());
    return bytes.byteLength > max ? { kind: 'too_large' } : decoded(bytes);
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
  return decoded(bytes);
}

function decoded(bytes: Uint8Array): BodyResult {
  try {
    // ignoreBOM keeps a leading byte-order mark in the text, where JSON.parse refuses it:
    // GitHub never sends one (JSON text must not begin with it, RFC 8259 §8.1).
    return { kind: 'ok', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), bytes };
  } catch {
    // A body that is not UTF-8 cannot be GitHub's JSON; the caller answers 400 if it is signed.
    return { kind: 'not_utf8', bytes };
  }
}
