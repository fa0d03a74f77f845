import type { Context } from 'hono';
import type { z } from 'zod';
import { errorBody } from './http-error.ts';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: Response };

/**
 * A JSON request body, size-checked before it is parsed and validated with
 * `schema`: 413 over `maxBytes`, 400 for what is not JSON or not the shape
 * (naming the first field at fault). The body itself is never logged.
 */
export async function readJsonBody<T>(c: Context, schema: z.ZodType<T>, maxBytes: number): Promise<BodyResult<T>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) {
    return { ok: false, response: c.json(errorBody('payload_too_large', `body is limited to ${maxBytes} bytes`), 413) };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > maxBytes) {
    return { ok: false, response: c.json(errorBody('payload_too_large', `body is limited to ${maxBytes} bytes`), 413) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return { ok: false, response: c.json(errorBody('invalid_argument', 'body is not valid UTF-8 JSON'), 400) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    return { ok: false, response: c.json(errorBody('invalid_argument', issue === undefined ? 'invalid body' : `${field || 'body'}: ${issue.message}`, field || undefined), 400) };
  }
  return { ok: true, value: parsed.data };
}
