/**
 * Inline-button data (at most 64 bytes, docs/domain.md §7.6): a kind letter,
 * the request id packed to 22 base64url characters, and what was chosen.
 *   `d:<id>:<option>` an option of a question    `f:<id>` "own answer"
 *   `a:<id>:y|n`      approve or deny a request
 * The data names a request; whether the presser may answer it is decided by
 * their binding and rights, never by the data.
 */
import { base64url } from 'jose';

export type ButtonData = { kind: 'option'; id: string; optionId: string } | { kind: 'free_text'; id: string } | { kind: 'approval'; id: string; approve: boolean };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function packId(uuid: string): string {
  const hex = uuid.replaceAll('-', '');
  return base64url.encode(Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16)));
}

export function unpackId(packed: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(packed)) {
    return null;
  }
  try {
    const hex = [...base64url.decode(packed)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return UUID.test(id) ? id : null;
  } catch {
    return null;
  }
}

export function encodeButton(data: ButtonData): string {
  switch (data.kind) {
    case 'option':
      return `d:${packId(data.id)}:${data.optionId}`;
    case 'free_text':
      return `f:${packId(data.id)}`;
    case 'approval':
      return `a:${packId(data.id)}:${data.approve ? 'y' : 'n'}`;
  }
}

/** The button's meaning, or null for data this bot never made. */
export function decodeButton(raw: string): ButtonData | null {
  const [kind, packed = '', rest, extra] = raw.split(':');
  const id = unpackId(packed);
  if (id === null || extra !== undefined) {
    return null;
  }
  if (kind === 'd' && rest !== undefined && /^[a-z0-9][a-z0-9_-]{0,31}$/.test(rest)) {
    return { kind: 'option', id, optionId: rest };
  }
  if (kind === 'f' && rest === undefined) {
    return { kind: 'free_text', id };
  }
  if (kind === 'a' && (rest === 'y' || rest === 'n')) {
    return { kind: 'approval', id, approve: rest === 'y' };
  }
  return null;
}
