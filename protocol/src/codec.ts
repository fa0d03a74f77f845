import { err, ok, type Result } from '@stageline/policy';
import type { z } from 'zod';
import { agentFrameSchema, edgeFrameSchema, MAX_FRAME_BYTES, type AgentFrame, type EdgeFrame, type ErrorCode } from './frames.ts';

export interface FrameError {
  code: Extract<ErrorCode, 'malformed_frame' | 'unknown_frame' | 'invalid_frame' | 'frame_too_large'>;
  message: string;
  /** The frame's `id` when it could be read, so the sender can match the error. */
  ref?: string;
}

const AGENT_TYPES = new Set(agentFrameSchema.options.map((o) => o.shape.type.value));
const EDGE_TYPES = new Set(edgeFrameSchema.options.map((o) => o.shape.type.value));

/** UTF-8 length without TextEncoder (the package has no runtime globals). */
function byteLength(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function decodeWith<T>(
  text: string,
  schema: z.ZodType<T>,
  known: ReadonlySet<string>,
): Result<T, FrameError> {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so most frames skip the exact count.
  if (text.length > MAX_FRAME_BYTES || (text.length * 3 > MAX_FRAME_BYTES && byteLength(text) > MAX_FRAME_BYTES)) {
    return err({ code: 'frame_too_large', message: `frame exceeds ${MAX_FRAME_BYTES} bytes` });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return err({ code: 'malformed_frame', message: 'frame is not valid JSON' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err({ code: 'malformed_frame', message: 'frame must be a JSON object' });
  }
  const record = raw as Record<string, unknown>;
  const ref = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
  const type = record.type;
  if (typeof type !== 'string' || !known.has(type)) {
    return err({ code: 'unknown_frame', message: `unknown frame type ${JSON.stringify(type ?? null).slice(0, 80)}`, ref });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    return err({ code: 'invalid_frame', message: `${type}: ${where} ${issue?.message ?? 'invalid'}`.trim(), ref });
  }
  return ok(parsed.data);
}

/**
 * Decode one agent → edge frame. Never throws.
 * @example decodeAgentFrame('{"type":"claim","id":"1","limit":5}') // ok
 */
export function decodeAgentFrame(text: string): Result<AgentFrame, FrameError> {
  return decodeWith(text, agentFrameSchema, AGENT_TYPES);
}

/** Decode one edge → agent frame. Never throws. */
export function decodeEdgeFrame(text: string): Result<EdgeFrame, FrameError> {
  return decodeWith(text, edgeFrameSchema, EDGE_TYPES);
}

/** Encode a frame; the schema types make malformed frames unrepresentable. */
export function encodeFrame(frame: AgentFrame | EdgeFrame): string {
  return JSON.stringify(frame);
}

/** Same major version on both sides (semver-like `a.b.c`). */
export function isCompatibleVersion(ours: string, theirs: string): boolean {
  const a = ours.split('.')[0];
  const b = theirs.split('.')[0];
  return a !== undefined && a !== '' && a === b;
}
