/**
 * Go-like durations (`24h`, `1h30m`, `90s`, `250ms`, `1.5h`): the notation of
 * the Helm chart's values (cluster-agent/chart/values.yaml) and of a project's
 * `namespace_ttl` (agent-settings.ts), parsed in one place so the
 * cluster-agent's config, the edge and the console agree on what a duration is.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds from a plain integer (`5000`, the environment's legacy form) or
 * a Go-like duration. Returns undefined when malformed.
 * @example parseDurationMs('1m30s') === 90000
 * @example parseDurationMs('5d') === undefined
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    part.lastIndex = index;
    const match = part.exec(trimmed);
    const unit = match?.[2];
    if (!match || unit === undefined) {
      return undefined;
    }
    total += Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
    index = part.lastIndex;
  }
  return trimmed.length > 0 && Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * Whole seconds of a duration that names its units, as Go's
 * `time.ParseDuration` requires (a bare `86400` is refused: seconds or
 * milliseconds would be a guess). Undefined when malformed or not positive.
 * @example parseDurationSeconds('1h30m') === 5400
 * @example parseDurationSeconds('86400') === undefined
 */
export function parseDurationSeconds(text: string): number | undefined {
  if (/^\s*\d+\s*$/.test(text)) {
    return undefined;
  }
  const ms = parseDurationMs(text);
  const seconds = ms === undefined ? 0 : Math.round(ms / 1000);
  return seconds > 0 ? seconds : undefined;
}
