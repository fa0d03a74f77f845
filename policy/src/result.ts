/**
 * A tiny Result type for expected outcomes. Policy functions never throw for
 * business reasons; they return `err(...)` with a tagged error instead, so every
 * boundary maps errors to the wire in one exhaustive switch.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
