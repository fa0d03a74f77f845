// @vitest-environment node
/**
 * The built console in Debian's Chromium against a fake edge (test/fakes/fake-edge.ts):
 * first paint over HTTP, live status changes over the socket, catch-up after the
 * edge drops every socket, `reset` handling and the 10 s polling fallback.
 *
 * The app is built once with vite's `build()` into a temporary directory, so the
 * test does not depend on (or overwrite) `web/dist`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../src/lib/run.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge.ts';
import { makeRun } from './fixtures/make-run.ts';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = '/tmp/stageline-console.png';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let distDir = '';
let browser: Browser | undefined;
let edge: FakeEdge | undefined;
let page: Page | undefined;
let pageErrors: string[] = [];

beforeAll(async () => {
  distDir = await mkdtemp(join(tmpdir(), 'stageline-web-'));
  await build({
    root: WEB_DIR,
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: distDir, emptyOutDir: true },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(distDir, { recursive: true, force: true });
});

afterEach(async () => {
  await page?.close();
  await edge?.close();
  page = undefined;
  edge = undefined;
  expect(pageErrors).toEqual([]);
});

function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

/** A run created just now (the fixture's fixed timestamps suit unit tests, not a live page). */
function makeFreshRun(overrides: Partial<Run> = {}): Run {
  const now = new Date().toISOString();
  return makeRun({ created_at: now, updated_at: now, ...overrides });
}

function seedRuns(): Run[] {
  return [
    makeRun({
      status: 'running',
      repository_full_name: 'acme/widgets',
      issue_number: 128,
      issue_url: 'https://github.com/acme/widgets/issues/128',
      trigger_label: 'run:dev',
      agent_key: 'dev',
      cluster_id: 'kind-dev',
      job_name: 'stageline-run-4f2a91c0-1',
      namespace: 'stageline-acme-widgets-128',
      created_at: minutesAgo(3),
      updated_at: minutesAgo(1),
    }),
    makeRun({
      status: 'waiting_mcp',
      status_reason: 'approval_pending',
      repository_full_name: 'acme/billing',
      issue_number: 57,
      issue_url: 'https://github.com/acme/billing/issues/57',
      trigger_label: 'run:plan',
      agent_key: 'sa',
      cluster_id: 'prod-eu-1',
      job_name: 'stageline-run-9be3d210-1',
      namespace: 'stageline-acme-billing-57',
      created_at: minutesAgo(42),
      updated_at: minutesAgo(12),
    }),
    makeRun({
      status: 'waiting_owner_review',
      repository_full_name: 'acme/widgets',
      issue_number: 121,
      issue_url: 'https://github.com/acme/widgets/issues/121',
      trigger_label: 'run:dev',
      agent_key: 'dev',
      cluster_id: 'kind-dev',
      job_name: 'stageline-run-77c0e5aa-2',
      namespace: 'stageline-acme-widgets-121',
      attempt_no: 2,
      created_at: minutesAgo(180),
      updated_at: minutesAgo(95),
    }),
    makeRun({
      status: 'failed',
      status_reason: 'job_failed',
      repository_full_name: 'acme/infra',
      issue_number: 9,
      issue_url: null,
      trigger_label: 'run:ops',
      agent_key: 'sre',
      cluster_id: 'prod-eu-1',
      job_name: 'stageline-run-0c19ab7e-1',
      namespace: null,
      created_at: minutesAgo(60 * 26),
      updated_at: minutesAgo(60 * 25),
    }),
    makeRun({
      status: 'pending',
      repository_full_name: 'acme/docs',
      issue_number: null,
      issue_url: null,
      trigger_label: 'run:doc-audit',
      agent_key: 'km',
      created_at: minutesAgo(60 * 49),
      updated_at: minutesAgo(60 * 49),
    }),
  ];
}

async function openConsole(runs: Run[]): Promise<{ edge: FakeEdge; page: Page }> {
  if (browser === undefined) {
    throw new Error('browser not launched');
  }
  edge = await startFakeEdge({ distDir, runs });
  page = await browser.newPage({ viewport: { width: 1360, height: 520 } });
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(edge.url);
  await waitForConnection(page, 'live');
  return { edge, page };
}

async function waitForConnection(target: Page, state: 'live' | 'reconnecting' | 'polling', timeout = 15_000) {
  await target.waitForSelector(`[data-testid="connection"][data-state="${state}"]`, { timeout });
}

async function waitForRow(target: Page, id: string, status: string, timeout = 10_000) {
  await target.waitForSelector(`[data-testid="run-row"][data-run-id="${id}"][data-status="${status}"]`, {
    timeout,
  });
}

function rowIds(target: Page): Promise<(string | null)[]> {
  return target.$$eval('[data-testid="run-row"]', (rows) => rows.map((row) => row.getAttribute('data-run-id')));
}

/** A value on `window` survives only as long as the document: it proves there was no reload. */
async function markDocument(target: Page): Promise<void> {
  await target.evaluate(() => document.documentElement.setAttribute('data-test-marker', 'kept'));
}

async function documentWasKept(target: Page): Promise<boolean> {
  return target.evaluate(() => document.documentElement.getAttribute('data-test-marker') === 'kept');
}

function first<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) {
    throw new Error('empty list');
  }
  return item;
}

describe('console in Chromium', { timeout: 60_000 }, () => {
  it('renders the runs from HTTP and applies status changes pushed over the socket', async () => {
    const seeds = seedRuns();
    const { edge, page } = await openConsole(seeds);
    const running = first(seeds);

    expect(await rowIds(page)).toEqual(seeds.map((run) => run.id));
    await waitForRow(page, running.id, 'running');
    expect(await page.textContent('[data-testid="connection"]')).toBe('Live');
    expect(edge.realtimeCursors).toEqual(['100']);
    await markDocument(page);

    edge.updateRun(running.id, { status: 'waiting_mcp', status_reason: 'interaction_response' });
    await waitForRow(page, running.id, 'waiting_mcp');

    // A redelivered, older snapshot (at-least-once) must not move the row back.
    edge.broadcastRaw({ type: 'event', id: 101, topic: 'run.status', payload: { run: running } });
    const fresh = makeFreshRun({ status: 'pending', trigger_label: 'run:qa', agent_key: 'qa' });
    edge.upsertRun(fresh);
    await waitForRow(page, fresh.id, 'pending');
    expect(first(await rowIds(page))).toBe(fresh.id);
    await waitForRow(page, running.id, 'waiting_mcp');

    edge.updateRun(running.id, { status: 'running', status_reason: null });
    await waitForRow(page, running.id, 'running');
    expect(await documentWasKept(page)).toBe(true);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('catches up after the edge drops every socket, resuming from the last event id', async () => {
    const seeds = seedRuns();
    const { edge, page } = await openConsole(seeds);
    const waiting = seeds[1] ?? first(seeds);
    edge.updateRun(waiting.id, { status: 'running', status_reason: null });
    await waitForRow(page, waiting.id, 'running');
    const seenCursor = edge.headEventId();
    await markDocument(page);

    edge.refuseSockets(true);
    edge.killSockets();
    await waitForConnection(page, 'reconnecting');
    edge.updateRun(waiting.id, { status: 'succeeded' });
    const missed = makeFreshRun({ status: 'running' });
    edge.upsertRun(missed);
    edge.refuseSockets(false);

    await waitForConnection(page, 'live');
    await waitForRow(page, waiting.id, 'succeeded');
    await waitForRow(page, missed.id, 'running');
    expect(first(await rowIds(page))).toBe(missed.id);
    // Every reconnect attempt carried the highest event id the page had seen before the drop.
    const reconnects = edge.realtimeCursors.slice(1);
    expect(reconnects.length).toBeGreaterThan(0);
    expect(new Set(reconnects)).toEqual(new Set([String(seenCursor)]));
    expect(await documentWasKept(page)).toBe(true);
  });

  it('reloads over HTTP on reset and reconnects with the new cursor', async () => {
    const seeds = seedRuns();
    const { edge, page } = await openConsole(seeds);
    const target = seeds[2] ?? first(seeds);

    edge.killSockets();
    edge.updateRun(target.id, { status: 'succeeded' });
    edge.pruneEventsThrough(edge.headEventId()); // the page's cursor (100) is now older than retention

    await waitForRow(page, target.id, 'succeeded');
    await waitForConnection(page, 'live');
    expect(edge.realtimeCursors).toEqual(['100', '100', String(edge.headEventId())]);
  });

  it('polls the runs list every 10 s while the socket is down, then goes live again', async () => {
    const seeds = seedRuns();
    const { edge, page } = await openConsole(seeds);
    const target = seeds[3] ?? first(seeds);

    edge.refuseSockets(true);
    edge.killSockets();
    edge.updateRun(target.id, { status: 'running', status_reason: null });
    const headAtPoll = edge.headEventId();

    await waitForConnection(page, 'polling', 15_000);
    await waitForRow(page, target.id, 'running');

    edge.refuseSockets(false);
    // The browser reports the network back: the page dials at once instead of waiting out the backoff.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitForConnection(page, 'live');
    // No socket got through while down, so only the poll can have moved the cursor past 100.
    expect(edge.realtimeCursors.at(-1)).toBe(String(headAtPoll));
    expect(edge.realtimeCursors.every((cursor) => cursor === '100' || cursor === String(headAtPoll))).toBe(true);
  });
});
