// Sum every vitest JSON report (`<workspace>/test-results*.json`) into the
// one line CI reads: "N passed, N failed, N skipped". Above it, each failed
// test with the first lines of its failure: CI keeps only the tail of the log,
// and the runner's own report of a failure scrolls far out of it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { ROOT } from './stack.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const failures = [];
/** The first lines of a failure message, without colour codes. */
const firstLines = (text) =>
  stripVTControlCharacters(String(text ?? ''))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 4)
    .map((l) => `    ${l.trim().slice(0, 240)}`)
    .join('\n');
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
    for (const t of r.testResults ?? []) {
      const where = `${dir.name}/${path.relative(path.join(ROOT, dir.name), t.name ?? '')}`;
      const failedTests = (t.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of failedTests) {
        failures.push(`FAILED ${where} > ${a.fullName}\n${firstLines((a.failureMessages ?? []).join('\n'))}`);
      }
      if (t.status === 'failed' && failedTests.length === 0) {
        failures.push(`FAILED ${where} (did not run)\n${firstLines(t.message)}`);
      }
    }
    passed += r.numPassedTests ?? 0;
    failed += (r.numFailedTests ?? 0) + loadFailures;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    rows.push(`${dir.name}/${file}: ${r.numPassedTests ?? 0} passed, ${(r.numFailedTests ?? 0) + loadFailures} failed`);
  }
}
const extra = Number(process.env.EXTRA_FAILED ?? '0');
for (const step of (process.env.FAILED_STEPS ?? '').split('|').filter(Boolean)) {
  failures.push(`FAILED step: ${step}`);
}
if (failures.length > 0) {
  console.log(failures.join('\n'));
}
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed + extra} failed, ${skipped} skipped`);
