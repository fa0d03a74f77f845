// Sum every vitest JSON report (`<workspace>/test-results*.json`) into the
// one line CI reads: "N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './stack.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of readdirSync(ROOT, { withFileTypes: true })) {
  if (!dir.isDirectory() || dir.name.startsWith('.') || dir.name === 'node_modules') {
    continue;
  }
  for (const file of readdirSync(path.join(ROOT, dir.name))) {
    if (!/^test-results.*\.json$/.test(file)) {
    continue;
  }
    const full = path.join(ROOT, dir.name, file);
    if (!existsSync(full)) {
    continue;
  }
    const r = JSON.parse(readFileSync(full, 'utf8'));
    // A suite that failed to load counts as failed even with no test results.
    const loadFailures = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    passed += r.numPassedTests ?? 0;
    failed += (r.numFailedTests ?? 0) + loadFailures;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    rows.push(`${dir.name}/${file}: ${r.numPassedTests ?? 0} passed, ${(r.numFailedTests ?? 0) + loadFailures} failed`);
  }
}
const extra = Number(process.env.EXTRA_FAILED ?? '0');
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed + extra} failed, ${skipped} skipped`);
