/**
 * Values bound for a jsonb column. JSON (and so a GitHub payload) may carry
 * two things Postgres refuses in jsonb: the character U+0000 (SQLSTATE
 * 22P05 "unsupported Unicode escape sequence") and an unpaired UTF-16
 * surrogate such as "\ud800" (22P02 / 22021). Either would turn a correctly
 * signed delivery into a statement error. Both are replaced with U+FFFD,
 * in strings and in object keys, at any depth; everything else is kept as is.
 * (Two keys that differ only there become one; the last wins, as in JSON.parse.)
 */

const REPLACEMENT = '\uFFFD';
/**
 * NUL or a lone surrogate. With the `u` flag a well-formed surrogate pair is
 * one code point above U+FFFF, so the surrogate range matches only unpaired halves.
 */
// oxlint-disable-next-line no-control-regex -- NUL is exactly what jsonb refuses.
const UNSAFE = /[\u0000\uD800-\uDFFF]/gu;
// oxlint-disable-next-line no-control-regex -- as above.
const UNSAFE_TEST = /[\u0000\uD800-\uDFFF]/u;

/** The string with NUL and lone surrogates replaced by U+FFFD (the same string when it has none). */
export function jsonbSafeString(text: string): string {
  return UNSAFE_TEST.test(text) ? text.replace(UNSAFE, REPLACEMENT) : text;
}

/**
 * A copy of `value` that Postgres accepts as jsonb. Objects and arrays are
 * copied only where something changed below them, so a clean payload costs
 * one walk and no allocation. Values JSON cannot hold are left to
 * JSON.stringify as usual (undefined members drop out).
 */
export function jsonbSafe<T>(value: T): T {
  return safe(value) as T;
}

function safe(value: unknown): unknown {
  if (typeof value === 'string') {
    return jsonbSafeString(value);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const next = safe(item);
      if (next !== item && out === null) {
        out = value.slice(0, i);
      }
      out?.push(next);
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    // toJSON (a Date, a class with its own JSON form) decides its own text; apply it first.
    const source = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (source !== value) {
      return safe(source);
    }
    let changed = false;
    const entries: [string, unknown][] = [];
    for (const [key, item] of Object.entries(value)) {
      const k = jsonbSafeString(key);
      const v = safe(item);
      changed ||= k !== key || v !== item;
      entries.push([k, v]);
    }
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

/**
 * What in a JSON text may make Postgres refuse it as jsonb, or read it
 * differently from JSON.parse: a NUL or surrogate escape (`\u0000`,
 * `\ud800`), a raw lone surrogate, or a number jsonb's numeric cannot hold
 * (a number with a 4-digit exponent, 300 digits in a row). It over-matches (an escaped
 * backslash before `u0000`, a long digit string inside a string): that only
 * costs the walk below.
 */
// oxlint-disable-next-line no-control-regex -- NUL is exactly what jsonb refuses.
const SUSPECT_TEXT = /\\u(?:0000|[dD][89a-fA-F])|[\u0000\uD800-\uDFFF]|[:,[]\s*-?\d+(?:\.\d+)?[eE][+-]?\d{4}|\d{300}/u;

/**
 * The JSON text to bind as jsonb for a value parsed from `text`: `text`
 * itself when nothing in it can trouble Postgres (a received payload is then
 * stored as received, with no walk and no second serialisation), otherwise
 * the serialised jsonbSafe copy of `parsed`.
 */
export function jsonbSafeText(text: string, parsed: unknown): string {
  return SUSPECT_TEXT.test(text) ? JSON.stringify(jsonbSafe(parsed)) : text;
}

/**
 * An agent frame whose strings (log lines, versions, ids of runs) Postgres can
 * store. The frame id is kept as sent: it is only echoed back as `ref`, and
 * the agent matches its answer by it.
 */
export function storableFrame<T extends { id?: unknown }>(frame: T): T {
  const safe = jsonbSafe(frame);
  return safe === frame ? frame : { ...safe, id: frame.id };
}
