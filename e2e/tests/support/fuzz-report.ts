/**
 * Shared bookkeeping of the fuzz suites: latency figures, failure lines that
 * carry the seed and index (so each one can be replayed alone), and the JSON
 * summary bench/fuzz.mjs collects through FUZZ_REPORT.
 */
import { appendFileSync } from 'node:fs';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function latencySummary(ms: readonly number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), p99: r(percentile(sorted, 99)), max: r(sorted[sorted.length - 1] ?? 0) };
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** One line per failure; the assertion message shows the first ones, the replay command first. */
export function failureMessage(suite: string, seed: number, failures: readonly string[], limit = 40): string {
  const head = `${failures.length} ${suite} fuzz failure(s); replay with FUZZ_SEED=${seed} (one input: FUZZ_SEED=${seed} FUZZ_ONLY=<index>)`;
  const shown = failures.slice(0, limit);
  const more = failures.length > limit ? [`… and ${failures.length - limit} more`] : [];
  return [head, ...shown, ...more].join('\n');
}

/** Appends one JSON line to FUZZ_REPORT, when set (bench/fuzz.mjs reads it). */
export function writeReport(record: Record<string, unknown>): void {
  const file = process.env.FUZZ_REPORT;
  if (file) {
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  }
}

/** Printable form of a short answer body (control and lone-surrogate characters escaped). */
export function snippet(text: string, max = 160): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
