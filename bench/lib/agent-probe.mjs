// Preloaded into the agent by `bench/cluster.mjs --probe` (NODE_OPTIONS=--import=…).
// On SIGUSR2 it writes a memory breakdown to $STAGELINE_PROBE_FILE (JSON):
// process.memoryUsage(), V8 heap spaces, active handles/requests by type, and,
// with STAGELINE_PROBE_SNAPSHOT=1, a heap snapshot next to it. Run with
// --expose-gc it also measures after a full GC (`afterGc`: what is live).
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.STAGELINE_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
    const measure = () => Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mib(v)]));
    const usage = measure();
    globalThis.gc?.();
    const afterGc = globalThis.gc ? measure() : undefined;
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { used: mib(s.space_used_size), size: mib(s.space_size) }]));
    const resources = {};
    for (const kind of process.getActiveResourcesInfo()) {
      resources[kind] = (resources[kind] ?? 0) + 1;
    }
    const snapshot = process.env.STAGELINE_PROBE_SNAPSHOT === '1' ? v8.writeHeapSnapshot(`${file}.heapsnapshot`) : undefined;
    writeFileSync(file, JSON.stringify({ usage, afterGc, spaces, heap: mib(v8.getHeapStatistics().total_heap_size), resources, snapshot }, null, 2));
  });
}
