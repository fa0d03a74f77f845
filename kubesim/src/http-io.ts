/** Reading request bodies and writing JSON replies, with the apiserver's limits and wording. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './http-status.ts';
import { decodeProtobufObject } from './protobuf.ts';

/** etcd's request size limit, which the apiserver enforces as 413. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `the body of the request could not be decoded as JSON: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  if (contentType === 'application/vnd.kubernetes.protobuf') {
    // Typed Go clients (kubectl 1.33 `create namespace`, helm 4's release records) send protobuf.
    return decodeProtobufObject(await readBodyBytes(req));
  }
  if (contentType.includes('protobuf') || contentType.includes('yaml') || contentType.includes('cbor')) {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json (got ${contentType})`);
  }
  const text = await readBody(req);
  if (text.trim() === '') {
    throw badRequest('the body of the request was empty');
  }
  return parseJson(text);
}

/** A body that may be empty (delete options): `{}` when it is, else as readJsonBody. */
export async function readOptionalObjectBody(req: IncomingMessage): Promise<unknown> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  if (contentType === 'application/vnd.kubernetes.protobuf') {
    const bytes = await readBodyBytes(req);
    return bytes.length === 0 ? {} : decodeProtobufObject(bytes);
  }
  const text = await readBody(req);
  return text.trim() === '' ? {} : parseJson(text);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendApiError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status.code, err.status);
}

/** Integer query parameters: absent is undefined, malformed is a 400 like the apiserver's decoder. */
export function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw badRequest(`invalid value for ${name}: strconv.ParseInt: parsing "${raw}": invalid syntax`);
  }
  return value;
}

export function boolParam(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  return raw === 'true' || raw === '1';
}
