/** Helpers for reading a CLI's JSON-lines output. */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The line as a JSON object, or null for anything else (progress text, a partial line). */
export function jsonObjectOf(line: string): Json | null {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
