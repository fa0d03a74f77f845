// @vitest-environment node
/**
 * The built console in Debian's Chromium against a fake edge (test/fakes/fake-edge.ts):
 * sign-in through the sign-in button, first paint over HTTP, live status changes
 * over the socket (one per project), catch-up after the edge drops every socket,
 * `reset` handling, the 10 s polling fallback, the inbox, a transparently
 * refreshed session and sign-out.
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
import type { Me } from '../src/lib/staff-me.ts';
import { DEFAULT_USER, startFakeEdge, type FakeEdge, type FakeEdgeOptions } from './fakes/fake-edge.ts';
import { makeApproval, makeInboxRun, makeQuestion } from './fixtures/make-inbox.ts';
import { makeRun } from './fixtures/make-run.ts';
// Operations screens (the describe block at the end of the file).
import { mkdirSync } from 'node:fs';
import { parseAgentSettings, parseApprovalOverrides } from '@stageline/policy';
import type { OpsSeed } from './fakes/fake-edge.ts';
import { makeCluster, makeInstance, makeOpsRun, makeProject, makeQueueHistory, makeQueueItem, makeRefusedDelivery } from './fixtures/make-ops.ts';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = '/tmp/stageline-console.png';
/** The README's screenshots (README.md, "What a signed-in platform team sees"). */
const DOC_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
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

/** A fake edge and a fresh browser context (no cookies) on `path`, not signed in yet. */
async function openSignedOut(options: Omit<FakeEdgeOptions, 'distDir'> = {}, path = '/'): Promise<{ edge: FakeEdge; page: Page }> {
  if (browser === undefined) {
    throw new Error('browser not launched');
  }
  edge = await startFakeEdge({ distDir, ...options });
  page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${edge.url}${path}`);
  return { edge, page };
}

/** Signs in with the sign-in button, as a person would, and waits for the signed-in header. */
async function signIn(target: Page): Promise<void> {
  await target.click('[data-testid="sign-in"]');
  await target.waitForSelector('[data-testid="signed-in-as"]');
}

/** The runs page, signed in and live. */
async function openConsole(runs: Run[], options: Omit<FakeEdgeOptions, 'distDir' | 'runs'> = {}): Promise<{ edge: FakeEdge; page: Page }> {
  const opened = await openSignedOut({ runs, ...options });
  await signIn(opened.page);
  await waitForConnection(opened.page, 'live');
  return opened;
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

  it('shows a signed-out visitor the sign-in screen and brings them back to the page they asked for', async () => {
    const { edge, page } = await openSignedOut({ runs: seedRuns() }, '/inbox?from=mail');
    await page.waitForSelector('[data-testid="sign-in"]');
    expect(await page.$('[data-testid="connection"]')).toBeNull();
    expect(await page.$('[data-testid="signed-in-as"]')).toBeNull();
    expect(await page.getAttribute('[data-testid="sign-in"]', 'href')).toBe('/auth/github/login?return_to=%2Finbox%3Ffrom%3Dmail');
    // Nothing was asked of the staff API but who is signed in; no socket was opened.
    expect(edge.apiCalls.map((call) => `${call.path} ${call.status}`)).toEqual(['/api/v1/staff/me 401']);
    expect(edge.realtimeRequests).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    mkdirSync(DOC_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(DOC_SCREENSHOTS, 'sign-in.png') });

    await signIn(page);
    expect(edge.signIns).toEqual(['/inbox?from=mail']);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/inbox?from=mail');
    await page.waitForSelector('#inbox-title');
    expect(await page.textContent('[data-testid="signed-in-as"]')).toBe(DEFAULT_USER.login);
    expect(await page.getAttribute('a[href="/inbox"]', 'aria-current')).toBe('page');
    await waitForConnection(page, 'live');
    expect(edge.realtimeRequests.map((request) => request.project)).toEqual([DEFAULT_USER.projects[0]?.id]);

    // The header links switch screens without reloading, and back returns.
    await markDocument(page);
    await page.click('a[href="/runs"]');
    await page.waitForSelector('[data-testid="runs-table"]');
    expect(new URL(page.url()).pathname).toBe('/runs');
    await page.goBack();
    await page.waitForSelector('#inbox-title');
    expect(await documentWasKept(page)).toBe(true);
  });

  it('says so when sign-in was cancelled on GitHub', async () => {
    const { edge, page } = await openSignedOut();
    edge.denySignIn(true);
    await page.click('[data-testid="sign-in"]');
    await page.waitForSelector('[data-testid="sign-in-error"]');
    expect(await page.textContent('[data-testid="sign-in-error"]')).toBe('Sign-in was cancelled on GitHub.');
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getAttribute('[data-testid="sign-in"]', 'href')).toBe('/auth/github/login?return_to=%2F');
    await page.screenshot({ path: '/tmp/stageline-console-sign-in.png' });
  });

  // The inbox as the README shows it (docs/screenshots/).
  const INBOX_SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

  it('decides approvals and answers questions in the inbox, with the CSRF header', async () => {
    const mine = makeApproval({ tool_name: 'secret_sync', action: 'apply', expires_at: new Date(Date.now() + 20 * 60_000).toISOString() });
    const ownerOnly = makeApproval({ tool_name: 'database_lifecycle', action: 'drop', approval_mode: 'owner', may_decide: false });
    const raced = makeApproval({ tool_name: 'database_lifecycle', action: 'create' });
    const question = makeQuestion({ run: makeInboxRun({ repository_full_name: 'acme/billing', issue_number: 57 }) });
    const { edge, page } = await openSignedOut({ approvals: [mine, ownerOnly, raced], questions: [question] }, '/inbox');
    await signIn(page);
    const item = (id: string) => `[data-testid="inbox-approval"][data-request-id="${id}"]`;
    await page.waitForSelector(item(mine.request_id));
    expect(await page.isDisabled(`${item(ownerOnly.request_id)} [data-testid="approve"]`)).toBe(true);
    expect(await page.isDisabled(`${item(ownerOnly.request_id)} [data-testid="deny"]`)).toBe(true);
    expect(await page.textContent(item(ownerOnly.request_id))).toContain('Your role may not decide owner requests');
    await page.setViewportSize({ width: 1280, height: 800 });
    mkdirSync(INBOX_SHOTS, { recursive: true });
    await page.screenshot({ path: join(INBOX_SHOTS, 'inbox.png') });

    // A request made after the page loaded shows up when the socket says the inbox changed, long before the
    // 15 s fallback poll (which does not run while live). The page is opened afresh while the header says Live,
    // so its one load is the one on opening, done once its list shows.
    await waitForConnection(page, 'live');
    await page.click('a[href="/runs"]');
    await page.click('a[href="/inbox"]');
    await page.waitForSelector(item(mine.request_id));
    await waitForConnection(page, 'live');
    const late = makeApproval({ tool_name: 'database_lifecycle', action: 'delete', approval_mode: 'owner' });
    edge.addApproval(late);
    edge.announceInboxChange(late);
    await page.waitForSelector(item(late.request_id), { timeout: 5_000 });

    await page.fill(`${item(mine.request_id)} [data-testid="decision-reason"]`, 'staging only');
    await page.click(`${item(mine.request_id)} [data-testid="approve"]`);
    await page.waitForSelector(item(mine.request_id), { state: 'detached' });
    expect(edge.decisions).toEqual([
      {
        path: `/api/v1/staff/approvals/${mine.request_id}/decision`,
        body: { decision: 'approve', reason: 'staging only' },
        csrf: edge.csrfToken(),
      },
    ]);
    expect(edge.csrfToken()).not.toBeNull();

    // Someone else decides first: the page says who and the item leaves with the refreshed list.
    edge.decideElsewhere(raced.request_id, 'telegram:mona', 'denied');
    await page.click(`${item(raced.request_id)} [data-testid="deny"]`);
    await page.waitForSelector('[data-testid="inbox-notice"][data-kind="conflict"]');
    expect(await page.textContent('[data-testid="inbox-notice"]')).toContain('already decided by telegram:mona (denied)');
    await page.waitForSelector(item(raced.request_id), { state: 'detached' });

    const asked = `[data-testid="inbox-question"][data-interaction-id="${question.interaction_id}"]`;
    await page.click(`${asked} [data-testid="answer-option"][data-option-id="prod"]`);
    await page.waitForSelector(asked, { state: 'detached' });
    expect(edge.answers).toEqual([
      { path: `/api/v1/staff/questions/${question.interaction_id}/answer`, body: { option_id: 'prod' }, csrf: edge.csrfToken() },
    ]);
    expect(await page.$$(`[data-testid="inbox-approval"]`)).toHaveLength(2);
  });

  it('refreshes an expired session transparently, for the socket and for API calls', async () => {
    const seeds = seedRuns();
    const { edge, page } = await openConsole(seeds);
    await markDocument(page);

    // The socket drops after the session JWT ran out: the refused dial checks the session, which refreshes it.
    edge.expireSessions();
    edge.killSockets();
    await waitForConnection(page, 'reconnecting');
    await waitForConnection(page, 'live');
    expect(edge.refreshes).toEqual([{ path: '/auth/refresh', body: null, csrf: edge.csrfToken() }]);
    expect(edge.realtimeRequests.map((request) => request.status)).toContain(401);
    const target = first(seeds);
    edge.updateRun(target.id, { status: 'succeeded' });
    await waitForRow(page, target.id, 'succeeded');

    // An API call that meets session_expired is refreshed and retried once, invisibly.
    edge.expireSessions();
    edge.addApproval(makeApproval({ tool_name: 'secret_sync' }));
    await page.click('a[href="/inbox"]');
    await page.waitForSelector('[data-testid="inbox-approval"]');
    const inboxCalls = edge.apiCalls.filter((call) => call.path === '/api/v1/staff/inbox').map((call) => `${call.status} ${call.code}`);
    expect(inboxCalls).toEqual(['401 session_expired', '200 null']);
    expect(edge.refreshes).toHaveLength(2);
    expect(await page.$('[data-testid="sign-in"]')).toBeNull();
    expect(await documentWasKept(page)).toBe(true);
  });

  it('shows the sign-in screen when the session can no longer be refreshed', async () => {
    const { edge, page } = await openConsole(seedRuns());
    edge.revokeSessions();
    edge.expireSessions();
    await page.click('a[href="/inbox"]');
    await page.waitForSelector('[data-testid="sign-in"]');
    expect(edge.refreshes).toEqual([{ path: '/auth/refresh', body: null, csrf: edge.csrfToken() }]);
    expect(edge.apiCalls.filter((call) => call.path === '/auth/refresh').map((call) => call.status)).toEqual([401]);
    await expect.poll(() => edge.connectedSockets()).toBe(0);
    expect(await page.$('[data-testid="signed-in-as"]')).toBeNull();
  });

  it('signs out with the CSRF header and returns to the sign-in screen', async () => {
    const { edge, page } = await openConsole(seedRuns());
    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('[data-testid="sign-in"]');
    expect(edge.logouts).toEqual([{ path: '/auth/logout', body: null, csrf: edge.csrfToken() }]);
    await expect.poll(() => edge.connectedSockets()).toBe(0);
    // The cookies are gone: a reload stays signed out.
    await page.reload();
    await page.waitForSelector('[data-testid="sign-in"]');
    expect(edge.apiCalls.at(-1)).toEqual({ method: 'GET', path: '/api/v1/staff/me', status: 401, code: 'unauthorized' });
  });

  it('follows each project of a member on its own socket and every project of a platform admin on one', async () => {
    const projectA = 'a0000000-0000-4000-8000-00000000000a';
    const projectB = 'b0000000-0000-4000-8000-00000000000b';
    const member: Me = {
      ...DEFAULT_USER,
      projects: [
        { id: projectA, slug: 'a', name: 'A', role: 'read' },
        { id: projectB, slug: 'b', name: 'B', role: 'admin' },
      ],
    };
    const runA = makeFreshRun({ project_id: projectA, status: 'pending' });
    const runB = makeFreshRun({ project_id: projectB, status: 'pending' });
    const { edge, page } = await openConsole([runA, runB], { user: member });
    expect(edge.realtimeRequests.map((request) => [request.project, request.status])).toEqual([
      [projectA, 101],
      [projectB, 101],
    ]);
    edge.updateRun(runB.id, { status: 'running' });
    edge.updateRun(runA.id, { status: 'failed' });
    await waitForRow(page, runB.id, 'running');
    await waitForRow(page, runA.id, 'failed');

    // One socket down is enough to leave "live".
    edge.refuseSockets(true);
    edge.killSockets();
    await waitForConnection(page, 'reconnecting');
    edge.refuseSockets(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitForConnection(page, 'live');
    expect(edge.connectedSockets()).toBe(2);

    // openConsole() replaces the page and fake edge that afterEach closes; close the member's ones here.
    await page.close();
    await edge.close();
    const admin = await openConsole([runA, runB], { user: { ...DEFAULT_USER, platform_admin: true, projects: [] } });
    expect(admin.edge.realtimeRequests.map((request) => [request.project, request.status])).toEqual([[null, 101]]);
    expect(await rowIds(admin.page)).toHaveLength(2);
  });

  it('tells a member without projects to ask for access and opens no socket', async () => {
    const { edge, page } = await openSignedOut({ runs: seedRuns(), user: { ...DEFAULT_USER, projects: [] } });
    await signIn(page);
    await page.waitForSelector('[data-testid="no-projects"]');
    expect(await page.textContent('[data-testid="no-projects"]')).toContain('Ask a project admin');
    expect(await page.$('[data-testid="connection"]')).toBeNull();
    expect(edge.realtimeRequests).toEqual([]);
    expect(edge.apiCalls.some((call) => call.path === '/api/v1/staff/runs')).toBe(false);
  });
});

// ==========================================================================
// Operations screens: wait queue, clusters, projects, errors (routes/ops-routes.tsx),
// and running jobs (routes/jobs.tsx). Screenshots at 1280×800 go to docs/screenshots/.
// ==========================================================================
describe('operations screens in Chromium', { timeout: 90_000 }, () => {
  const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
  const OTHER_PROJECT_ID = 'c0000000-0000-4000-8000-00000000000c';

  function isoMinutesAgo(minutes: number): string {
    return new Date(Date.now() - minutes * 60_000).toISOString();
  }

  function memberOf(role: 'admin' | 'read_write' | 'read', platformAdmin = false): Me {
    return { ...DEFAULT_USER, platform_admin: platformAdmin, projects: [{ id: DEFAULT_PROJECT, slug: 'acme', name: 'Acme', role }] };
  }

  const DEFAULT_PROJECT = DEFAULT_USER.projects[0]?.id ?? '';

  /** A busy morning: four waiting runs, a day of history, two clusters, two projects, a few errors. */
  function seedOps(): OpsSeed {
    const bucketMs = 15 * 60_000;
    const to = new Date(Math.ceil(Date.now() / bucketMs) * bucketMs).toISOString();
    const wave = (i: number): number => Math.max(0, Math.round(3 + 3 * Math.sin(i / 7) + (i > 80 ? 4 : 0)));
    return {
      queue: [
        makeQueueItem({
          cause: 'cluster_offline',
          sla: 'breached',
          since: isoMinutesAgo(26),
          waited_ms: 26 * 60_000,
          run: makeOpsRun({ status: 'pending', repository_full_name: 'acme/billing', issue_number: 57, trigger_label: 'run:plan', agent_key: 'sa', cluster_id: 'lab', created_at: isoMinutesAgo(26) }),
        }),
        makeQueueItem({
          cause: 'no_free_slot',
          sla: 'late',
          since: isoMinutesAgo(18),
          waited_ms: 18 * 60_000,
          run: makeOpsRun({ status: 'pending', repository_full_name: 'acme/widgets', issue_number: 131, trigger_label: 'run:dev', agent_key: 'dev', cluster_id: 'prod-eu-1', created_at: isoMinutesAgo(18) }),
        }),
        makeQueueItem({
          cause: 'approval',
          sla: 'ok',
          since: isoMinutesAgo(9),
          waited_ms: 9 * 60_000,
          run: makeOpsRun({
            status: 'waiting_mcp',
            wait_reason: 'approval_pending',
            repository_full_name: 'acme/infra',
            issue_number: 12,
            trigger_label: 'run:ops',
            agent_key: 'sre',
            cluster_id: 'prod-eu-1',
            last_heartbeat_at: isoMinutesAgo(1),
            created_at: isoMinutesAgo(40),
          }),
        }),
        makeQueueItem({
          cause: 'queued',
          sla: 'ok',
          since: isoMinutesAgo(0.3),
          waited_ms: 20_000,
          run: makeOpsRun({ status: 'pending', repository_full_name: 'acme/docs', issue_number: null, trigger_label: 'run:doc-audit', agent_key: 'km', cluster_id: 'prod-eu-1', created_at: isoMinutesAgo(0.3) }),
        }),
      ],
      history: makeQueueHistory(
        96,
        (i) => ({
          waiting: wave(i),
          started: i % 4 === 0 ? 0 : 1 + (i % 3),
          mean_wait_ms: i % 4 === 0 ? null : (2 + wave(i) * 1.5) * 60_000,
          max_wait_ms: i % 4 === 0 ? null : (4 + wave(i) * 3) * 60_000,
        }),
        { to },
      ),
      clusters: [
        makeCluster({
          id: 'prod-eu-1',
          name: 'Production EU',
          last_seen_at: isoMinutesAgo(0.2),
          runs_holding_slots: 2,
          projects: [{ id: DEFAULT_PROJECT, slug: 'acme' }],
          instances: [
            makeInstance({ instance_id: 'stageline-cluster-agent-7d9f6-x2kqp', agent_version: '0.9.3', protocol_version: '3', connected_at: isoMinutesAgo(300), heartbeat_at: isoMinutesAgo(0.2), connections: 1 }),
            makeInstance({ instance_id: 'stageline-cluster-agent-7d9f6-m8wzt', agent_version: '0.9.2', protocol_version: '3', live: false, connected_at: isoMinutesAgo(900), heartbeat_at: isoMinutesAgo(320), connections: 0 }),
          ],
        }),
        makeCluster({ id: 'lab', name: 'Lab', online: false, last_seen_at: isoMinutesAgo(60 * 30), runs_holding_slots: 0, projects: [{ id: DEFAULT_PROJECT, slug: 'acme' }], instances: [] }),
      ],
      projects: [
        makeProject({
          id: DEFAULT_PROJECT,
          slug: 'acme',
          name: 'Acme',
          slots: 2,
          label_names: { 'run:dev': 'ai:dev' },
          agent_settings: { engine: 'codex', branch_prefix: 'ai/' },
          approval_overrides: [{ tool: 'secret_sync', mode: 'deny' }],
          repositories: [
            { id: crypto.randomUUID(), full_name: 'acme/widgets', external_id: 700_001, unbound_at: null },
            { id: crypto.randomUUID(), full_name: 'acme/billing', external_id: 700_002, unbound_at: null },
            { id: crypto.randomUUID(), full_name: 'acme/legacy', external_id: 700_003, unbound_at: isoMinutesAgo(60 * 24 * 9) },
          ],
          members: [
            { login: 'octocat', role: 'admin' },
            { login: 'hubot', role: 'read_write' },
          ],
        }),
        makeProject({ id: OTHER_PROJECT_ID, slug: 'globex', name: 'Globex', cluster_id: 'lab', repositories: [], members: [{ login: 'mona', role: 'admin' }] }),
      ],
      parked: [
        {
          repository_id: 4242,
          repository_full_name: 'acme/widgets',
          project_id: DEFAULT_PROJECT,
          sequence: 17,
          delivery_id: '7d1e5a40-93c2-11ef-8d2b-2a5f0c1e7a11',
          event: 'issues',
          received_at: isoMinutesAgo(50),
          error: { name: 'DrizzleQueryError<-NeonDbError', code: '23514' },
          parked_at: isoMinutesAgo(49),
        },
      ],
      deadWrites: [
        {
          installation_id: 5501,
          sequence: 311,
          kind: 'add-labels',
          key: 'labels:acme/widgets#131:state',
          repository_id: 4242,
          repository_full_name: 'acme/widgets',
          project_id: DEFAULT_PROJECT,
          thread_number: 131,
          error: { kind: 'forbidden', status: 403 },
          attempts: 1,
          failed_at: isoMinutesAgo(12),
        },
      ],
      refusedDeliveries: [
        makeRefusedDelivery({ reason: 'sender_type_bot_not_permitted', received_at: isoMinutesAgo(4) }),
        makeRefusedDelivery({ reason: 'repository_not_bound', event: 'issue_comment', action: 'created', repository_full_name: 'acme/legacy', received_at: isoMinutesAgo(35) }),
        makeRefusedDelivery({ reason: 'sender_type_bot_not_permitted', event: 'pull_request', action: 'opened', received_at: isoMinutesAgo(180) }),
      ],
      failedRuns: [
        makeOpsRun({
          status: 'failed',
          status_reason: 'job_failed',
          runner_reason: 'npm test exited with code 1 after 3 attempts',
          repository_full_name: 'acme/widgets',
          issue_number: 118,
          trigger_label: 'run:dev',
          agent_key: 'dev',
          finished_at: isoMinutesAgo(50),
          updated_at: isoMinutesAgo(50),
        }),
        makeOpsRun({
          status: 'timed_out',
          status_reason: 'deadline_exceeded',
          runner_reason: null,
          repository_full_name: 'acme/infra',
          issue_number: 9,
          trigger_label: 'run:ops',
          agent_key: 'sre',
          finished_at: isoMinutesAgo(60 * 7),
          updated_at: isoMinutesAgo(60 * 7),
        }),
      ],
    };
  }

  /** Signed in as `user` on `path`, at 1280×800. */
  async function openOps(path: string, user: Me, seed: OpsSeed = seedOps()): Promise<{ edge: FakeEdge; page: Page }> {
    const opened = await openSignedOut({ user, ops: seed, runs: [] }, path);
    await opened.page.setViewportSize({ width: 1280, height: 800 });
    await signIn(opened.page);
    expect(new URL(opened.page.url()).pathname).toBe(path);
    return opened;
  }

  async function screenshot(target: Page, name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Relative times and the chart settle; the mouse stays off the chart (no cursor line).
    await target.mouse.move(0, 0);
    await target.screenshot({ path: join(SCREENSHOTS, name) });
  }

  /** No sideways scrolling at the page's width. */
  async function fitsWidth(target: Page): Promise<boolean> {
    return target.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  it('shows the wait queue with why each run waits, a chart of the last day, and refreshes every 10 s', async () => {
    const { edge, page } = await openOps('/queue', memberOf('read'));
    await page.waitForSelector('[data-testid="queue-row"]');
    expect(await page.$$eval('[data-testid="queue-row"]', (rows) => rows.map((row) => row.getAttribute('data-cause')))).toEqual([
      'cluster_offline',
      'no_free_slot',
      'approval',
      'queued',
    ]);
    const offline = '[data-testid="queue-row"][data-cause="cluster_offline"]';
    expect(await page.textContent(`${offline} [data-testid="queue-cause"]`)).toBe('No agent of cluster lab is connected.');
    expect(await page.getAttribute(`${offline} [data-testid="run-link"]`, 'href')).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    expect(await page.textContent(`${offline} .ops-sla`)).toBe('Breached');
    expect(await page.getAttribute('a[href="/queue"]', 'aria-current')).toBe('page');
    expect(await page.title()).toBe('Wait queue · Stageline');

    // The chart: a canvas as wide as its panel, with both series in the legend.
    await page.waitForSelector('[data-testid="queue-chart"] canvas');
    const legend = await page.textContent('[data-testid="queue-chart"] .u-legend');
    expect(legend).toContain('Waiting runs');
    expect(legend).toContain('Mean wait (min)');
    const widths = await page.$eval('[data-testid="queue-chart"]', (box) => ({ box: box.clientWidth, chart: box.querySelector('.uplot')?.clientWidth ?? 0 }));
    expect(Math.abs(widths.box - widths.chart)).toBeLessThanOrEqual(2);
    expect(await page.textContent('[data-testid="queue-summary"]')).toMatch(/^Now \d+ waiting, peak \d+; \d+ started, mean wait/);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'queue.png');

    // Dark mode: the page's palette turns dark and the chart is drawn again with it.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    expect(await page.$eval('.ops-screen', (element) => getComputedStyle(element).color)).toBe('rgb(230, 237, 243)');
    await page.waitForSelector('[data-testid="queue-chart"] canvas');
    await screenshot(page, 'queue-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });

    // Responsive: a narrower window gives a narrower chart.
    await page.setViewportSize({ width: 1000, height: 800 });
    await expect
      .poll(() => page.$eval('[data-testid="queue-chart"]', (box) => Math.abs(box.clientWidth - (box.querySelector('.uplot')?.clientWidth ?? 0))))
      .toBeLessThanOrEqual(2);
    await page.setViewportSize({ width: 1280, height: 800 });

    // The next poll (every 10 s) picks up a change.
    const started = edge.apiCalls.filter((call) => call.path === '/api/v1/staff/queue').length;
    edge.ops.setQueue([makeQueueItem({ cause: 'owner_review', sla: 'ok', since: isoMinutesAgo(2), run: makeOpsRun({ status: 'waiting_owner_review' }) })]);
    await page.waitForSelector('[data-testid="queue-row"][data-cause="owner_review"]', { timeout: 15_000 });
    expect(await page.$$('[data-testid="queue-row"]')).toHaveLength(1);
    expect(edge.apiCalls.filter((call) => call.path === '/api/v1/staff/queue').length).toBe(started + 1);

    // The chart's window: 24 h unless the address says otherwise; a pick goes into the address and survives a reload.
    expect(new Set(edge.ops.historyQueries)).toEqual(new Set(['?hours=24&bucket_minutes=15']));
    expect(await page.getAttribute('[data-testid="queue-window"][data-window="24h"]', 'aria-pressed')).toBe('true');
    await page.click('[data-testid="queue-window"][data-window="7d"]');
    await expect.poll(() => new URL(page.url()).search).toBe('?window=7d');
    await expect.poll(() => edge.ops.historyQueries.at(-1)).toBe('?hours=168&bucket_minutes=60');
    await page.waitForSelector('[data-testid="queue-chart"] canvas');
    expect(await page.textContent('#queue-chart-title')).toBe('Queue depth and mean wait, last 7 d');
    const asked = edge.ops.historyQueries.length;
    await page.reload();
    await page.waitForSelector('[data-testid="queue-window"][data-window="7d"][aria-pressed="true"]');
    expect(await page.textContent('#queue-chart-title')).toBe('Queue depth and mean wait, last 7 d');
    await expect.poll(() => edge.ops.historyQueries.length).toBeGreaterThan(asked);
    expect(edge.ops.historyQueries.slice(asked)).toEqual(['?hours=168&bucket_minutes=60']);
    await page.click('[data-testid="queue-window"][data-window="6h"]');
    await expect.poll(() => edge.ops.historyQueries.at(-1)).toBe('?hours=6&bucket_minutes=5');
    expect(new URL(page.url()).search).toBe('?window=6h');
  });

  it('lets a platform admin register a cluster and shows its token once', async () => {
    const { edge, page } = await openOps('/clusters', { ...DEFAULT_USER, platform_admin: true, projects: [] });
    await page.waitForSelector('[data-testid="cluster-card"][data-cluster-id="prod-eu-1"]');
    const prod = '[data-testid="cluster-card"][data-cluster-id="prod-eu-1"]';
    expect(await page.getAttribute(prod, 'data-online')).toBe('true');
    expect(await page.$$(`${prod} [data-testid="cluster-instance"]`)).toHaveLength(2);
    expect(await page.textContent(`${prod} [data-testid="cluster-slots"]`)).toBe('2');
    expect(await page.getAttribute('[data-testid="cluster-card"][data-cluster-id="lab"]', 'data-online')).toBe('false');

    // Keyboard only: the form is reachable and submits with Enter.
    await page.focus('[data-testid="register-cluster-id"]');
    await page.keyboard.type('prod-us-1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Production US');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="cluster-token"]');
    const token = edge.ops.clusterTokens.get('prod-us-1');
    expect(token).toMatch(/^slc_/);
    expect(await page.inputValue('[data-testid="cluster-token-value"]')).toBe(token);
    expect(await page.textContent('[data-testid="cluster-token"]')).toContain('shown only once');
    expect(edge.ops.writes).toEqual([
      { method: 'POST', path: '/api/v1/staff/clusters', body: { id: 'prod-us-1', name: 'Production US' }, status: 201, csrf: edge.csrfToken() },
    ]);
    await page.waitForSelector('[data-testid="cluster-card"][data-cluster-id="prod-us-1"]');
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'clusters.png');

    // Leaving the page forgets the token: back on Clusters, it is nowhere.
    await page.click('a[href="/runs"]');
    await page.waitForSelector('[data-testid="cluster-card"]', { state: 'detached' });
    await page.click('a[href="/clusters"]');
    await page.waitForSelector('[data-testid="cluster-card"][data-cluster-id="prod-us-1"]');
    expect(await page.$('[data-testid="cluster-token"]')).toBeNull();
    expect(await page.content()).not.toContain(token ?? 'no token');

    // A taken id is refused with the edge's message; rotating asks first and shows the new token.
    await page.fill('[data-testid="register-cluster-id"]', 'lab');
    await page.click('[data-testid="register-cluster-submit"]');
    await page.waitForSelector('[data-testid="register-cluster-errors"]');
    expect(await page.textContent('[data-testid="register-cluster-errors"]')).toContain('cluster lab exists');
    await page.click('[data-testid="cluster-card"][data-cluster-id="lab"] [data-testid="rotate-token"]');
    expect(edge.ops.writes.filter((write) => write.path.endsWith('/token'))).toEqual([]);
    await page.click('[data-testid="cluster-card"][data-cluster-id="lab"] [data-testid="rotate-token-confirm"]');
    await page.waitForSelector('[data-testid="cluster-token"][data-cluster-id="lab"]');
    expect(await page.inputValue('[data-testid="cluster-token-value"]')).toBe(edge.ops.clusterTokens.get('lab'));
  });

  it('shows a read-only member every project and cluster control disabled, and writes nothing', async () => {
    const { edge, page } = await openOps('/projects', memberOf('read'));
    const card = `[data-testid="project-card"][data-project-id="${DEFAULT_PROJECT}"]`;
    await page.waitForSelector(card);
    expect(await page.$$('[data-testid="project-card"]')).toHaveLength(1);
    expect(await page.textContent(`${card} [data-testid="project-admin-hint"]`)).toBe('Only admins of this project can change it (your role is read).');
    for (const control of [
      'settings-save',
      'settings-name',
      'settings-label-names',
      'settings-agent-settings',
      'settings-approval-overrides',
      'add-member-login',
      'add-member-submit',
      'member-role',
      'member-remove',
      'bind-submit',
      'repo-unbind',
    ]) {
      const handles = await page.$$(`${card} [data-testid="${control}"]`);
      expect(handles.length, control).toBeGreaterThan(0);
      for (const handle of handles) {
        expect(await handle.isDisabled(), control).toBe(true);
      }
    }
    await page.click(`${card} [data-testid="settings-save"]`, { force: true });
    await page.click(`${card} [data-testid="member-remove"] >> nth=0`, { force: true });
    expect(await page.$(`${card} [data-testid="member-remove-confirm"]`)).toBeNull();
    expect(await fitsWidth(page)).toBe(true);

    await page.click('a[href="/clusters"]');
    await page.waitForSelector('[data-testid="cluster-card"]');
    expect(await page.isDisabled('[data-testid="register-cluster-submit"]')).toBe(true);
    expect(await page.isDisabled('[data-testid="rotate-token"] >> nth=0')).toBe(true);
    expect(await page.textContent('[data-testid="register-cluster-hint"]')).toContain('Only platform admins');
    expect(edge.ops.writes).toEqual([]);
    expect(edge.apiCalls.filter((call) => call.method !== 'GET' && call.path.startsWith('/api/'))).toEqual([]);
  });

  it('lets a project admin add a member and save settings, and lists every setting the edge refuses', async () => {
    const { edge, page } = await openOps('/projects', memberOf('admin'));
    const card = `[data-testid="project-card"][data-project-id="${DEFAULT_PROJECT}"]`;
    await page.waitForSelector(card);
    expect(await page.$(`${card} [data-testid="project-admin-hint"]`)).toBeNull();
    expect(await page.isDisabled(`${card} [data-testid="settings-cluster"]`)).toBe(true);

    await page.fill(`${card} [data-testid="add-member-login"]`, 'Mona');
    await page.selectOption(`${card} [data-testid="add-member-role"]`, 'read_write');
    await page.click(`${card} [data-testid="add-member-submit"]`);
    await page.waitForSelector(`${card} [data-testid="member-row"][data-login="mona"][data-role="read_write"]`);
    expect(await page.textContent(`${card} [data-testid="project-notice"]`)).toBe('@mona is read & write.');

    await page.fill(`${card} [data-testid="settings-slots"]`, '4');
    await page.fill(`${card} [data-testid="settings-agent-settings"]`, '{"engine": "claude", "branch_prefix": "ai/"}');
    await page.fill(`${card} [data-testid="settings-ttl-role"][data-role="dev"]`, '48h');
    await page.click(`${card} [data-testid="settings-save"]`);
    await page.waitForSelector(`${card} [data-testid="settings-saved"]`);
    const saved = { engine: 'claude', branch_prefix: 'ai/', namespace_ttl: { by_role: { dev: '48h' } } };
    const stored = edge.ops.projects().find((project) => project.id === DEFAULT_PROJECT);
    expect(stored?.slots).toBe(4);
    expect(stored?.agent_settings).toEqual(saved);
    expect(stored?.members).toContainEqual({ login: 'mona', role: 'read_write' });

    const badSettings = { engine: 'gpt', colour: 'blue' };
    const badOverrides = [{ tool: 'secret_sync', mode: 'sometimes' }];
    await page.fill(`${card} [data-testid="settings-agent-settings"]`, JSON.stringify(badSettings));
    await page.fill(`${card} [data-testid="settings-approval-overrides"]`, JSON.stringify(badOverrides));
    await page.click(`${card} [data-testid="settings-save"]`);
    await page.waitForSelector(`${card} [data-testid="settings-errors"]`);
    const expected = [
      ...parseAgentSettings(badSettings).errors.map((error) => `agent_settings: ${error}`),
      ...parseApprovalOverrides(badOverrides).errors.map((error) => `approval_overrides: ${error}`),
    ];
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(await page.$$eval(`${card} [data-testid="settings-errors"] li`, (items) => items.map((item) => item.textContent))).toEqual(expected);
    expect(edge.ops.projects().find((project) => project.id === DEFAULT_PROJECT)?.agent_settings).toEqual(saved);
    expect(edge.ops.writes.map((write) => `${write.method} ${write.path} ${write.status}`)).toEqual([
      `PUT /api/v1/staff/projects/${DEFAULT_PROJECT}/members/Mona 200`,
      `PATCH /api/v1/staff/projects/${DEFAULT_PROJECT} 200`,
      `PATCH /api/v1/staff/projects/${DEFAULT_PROJECT} 400`,
    ]);
    expect(edge.ops.writes.every((write) => write.csrf === edge.csrfToken())).toBe(true);
    expect(edge.ops.writes[1]?.body).toEqual({ slots: 4, agent_settings: saved });
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'projects.png');
  });

  it('lists refused deliveries with a reason filter and failed runs linking to the run', async () => {
    const seed = seedOps();
    const { edge, page } = await openOps('/errors', memberOf('read_write'), seed);
    await page.waitForSelector('[data-testid="error-delivery"]');
    expect(await page.$$('[data-testid="error-delivery"]')).toHaveLength(3);
    const failed = first(seed.failedRuns ?? []);
    const row = `[data-testid="error-run"][data-run-id="${failed.id}"]`;
    expect(await page.textContent(`${row} [data-testid="error-run-reason"]`)).toBe('npm test exited with code 1 after 3 attempts');
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'errors.png');

    await page.fill('[data-testid="errors-reason"]', 'repository_not_bound');
    await page.press('[data-testid="errors-reason"]', 'Enter');
    await expect.poll(() => page.$$eval('[data-testid="error-delivery"]', (rows) => rows.map((item) => item.getAttribute('data-reason')))).toEqual([
      'repository_not_bound',
    ]);
    expect(edge.apiCalls.filter((call) => call.path === '/api/v1/staff/errors')).toHaveLength(2);
    await expect.poll(() => new URL(page.url()).search).toBe('?reason=repository_not_bound');

    // The filter is in the address: a reload shows the same list and the same field.
    await page.reload();
    await page.waitForSelector('[data-testid="error-delivery"]');
    expect(await page.inputValue('[data-testid="errors-reason"]')).toBe('repository_not_bound');
    expect(await page.$$eval('[data-testid="error-delivery"]', (rows) => rows.map((item) => item.getAttribute('data-reason')))).toEqual(['repository_not_bound']);
    expect(edge.apiCalls.filter((call) => call.path === '/api/v1/staff/errors')).toHaveLength(3);

    await page.click(`${row} [data-testid="run-link"]`);
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/runs/${failed.id}`);
  });

  it('shows held work with its controls disabled for a read_write member; a project admin replays a parked delivery and retries a refused write', async () => {
    const seed = seedOps();
    const viewer = await openOps('/errors', memberOf('read_write'), seed);
    await viewer.page.waitForSelector('[data-testid="parked-delivery"]');
    expect(await viewer.page.isDisabled('[data-testid="parked-replay"]')).toBe(true);
    expect(await viewer.page.isDisabled('[data-testid="dead-retry"]')).toBe(true);
    expect(await viewer.page.getAttribute('[data-testid="parked-replay"]', 'title')).toContain('your role is read_write');
    expect(await viewer.page.textContent('[data-testid="parked-delivery"]')).toContain('23514');
    // Only one page and fake edge are closed after each test: close these first.
    await viewer.page.close();
    await viewer.edge.close();

    const { edge, page } = await openOps('/errors', memberOf('admin'), seed);
    await page.waitForSelector('[data-testid="dead-write"]');
    expect(await page.textContent('[data-testid="dead-write"]')).toContain('forbidden 403');
    await page.click('[data-testid="parked-replay"]');
    await page.waitForSelector('[data-testid="held-notice"]:has-text("run was created")');
    await page.waitForSelector('text=No parked deliveries.');
    await page.click('[data-testid="dead-retry"]');
    await page.waitForSelector('text=No refused GitHub writes.');
    const held = edge.ops.writes.filter((write) => write.path.startsWith('/api/v1/staff/errors/'));
    expect(held.map((write) => [write.method, write.path, write.status, write.csrf !== null])).toEqual([
      ['POST', '/api/v1/staff/errors/parked/4242/17/replay', 200, true],
      ['POST', '/api/v1/staff/errors/dead-writes/5501/311/retry', 200, true],
    ]);
  });

  /** Jobs on two clusters in two projects, a parked run and runs without a Job around them. */
  function seedJobs(): { jobs: Run[]; others: Run[] } {
    const jobRun = (minutes: number, beatSeconds: number, overrides: Partial<Run>): Run =>
      makeRun({ status: 'running', created_at: isoMinutesAgo(minutes + 1), started_at: isoMinutesAgo(minutes), updated_at: isoMinutesAgo(1), last_heartbeat_at: new Date(Date.now() - beatSeconds * 1000).toISOString(), ...overrides });
    const issue = (repository: string, number: number): Partial<Run> => ({ repository_full_name: repository, issue_number: number, issue_url: `https://github.com/${repository}/issues/${number}` });
    return {
      jobs: [
        jobRun(42, 8, { ...issue('acme/widgets', 128), project_id: DEFAULT_PROJECT, cluster_id: 'prod-eu-1', trigger_label: 'run:dev', agent_key: 'dev', job_name: 'stageline-run-4f2a91c0-1', namespace: 'stageline-acme-widgets-128', model: 'gpt-5-codex' }),
        jobRun(18, 12, { ...issue('acme/billing', 57), project_id: DEFAULT_PROJECT, cluster_id: 'prod-eu-1', status: 'waiting_mcp', wait_reason: 'approval_pending', wait_since: isoMinutesAgo(6), trigger_label: 'run:plan', agent_key: 'sa', job_name: 'stageline-run-9be3d210-1', namespace: 'stageline-acme-billing-57' }),
        jobRun(7, 240, { ...issue('globex/portal', 311), project_id: OTHER_PROJECT_ID, cluster_id: 'prod-eu-1', trigger_label: 'run:qa', agent_key: 'qa', job_name: 'stageline-run-c41d7e02-1', namespace: 'stageline-globex-portal-311' }),
        jobRun(3, 5, { ...issue('acme/docs', 12), project_id: DEFAULT_PROJECT, cluster_id: 'kind-dev', trigger_label: 'run:doc-audit', agent_key: 'km', job_name: 'stageline-run-5e80aa13-1', namespace: 'stageline-acme-docs-12' }),
        jobRun(25, 20, { ...issue('globex/api', 88), project_id: OTHER_PROJECT_ID, cluster_id: 'kind-dev', status: 'waiting_mcp', wait_reason: 'interaction_response', trigger_label: 'run:dev', agent_key: 'dev', job_name: 'stageline-run-2b9f4c71-2', namespace: 'stageline-globex-api-88', attempt_no: 2 }),
      ],
      others: [
        // Parked: waiting without a Job, the wait queue's.
        makeRun({ status: 'waiting_backpressure', project_id: DEFAULT_PROJECT, cluster_id: 'prod-eu-1', job_name: null, created_at: isoMinutesAgo(9), updated_at: isoMinutesAgo(2) }),
        makeRun({ status: 'pending', project_id: DEFAULT_PROJECT, created_at: isoMinutesAgo(1), updated_at: isoMinutesAgo(1) }),
        makeRun({ status: 'succeeded', project_id: OTHER_PROJECT_ID, cluster_id: 'kind-dev', job_name: 'stageline-run-00000000-1', created_at: isoMinutesAgo(90), updated_at: isoMinutesAgo(30) }),
      ],
    };
  }

  it('lists running jobs by cluster and project, live: a finished run leaves and a started one arrives without a reload', async () => {
    const user: Me = {
      ...DEFAULT_USER,
      projects: [
        { id: DEFAULT_PROJECT, slug: 'acme', name: 'Acme', role: 'read_write' },
        { id: OTHER_PROJECT_ID, slug: 'globex', name: 'Globex', role: 'read' },
      ],
    };
    const { jobs, others } = seedJobs();
    const [widgets, billing, portal, docs, api] = jobs;
    if (widgets === undefined || billing === undefined || portal === undefined || docs === undefined || api === undefined) {
      throw new Error('seedJobs() changed');
    }
    const { edge, page } = await openSignedOut({ user, runs: [...jobs, ...others] }, '/jobs');
    await page.setViewportSize({ width: 1280, height: 800 });
    await signIn(page);
    await waitForConnection(page, 'live');
    await page.waitForSelector('[data-testid="job-row"]');
    expect(await page.title()).toBe('Running jobs · Stageline');
    expect(await page.getAttribute('a[href="/jobs"]', 'aria-current')).toBe('page');
    expect(edge.runPages.listQueries).toContain('?limit=500&status=running%2Cwaiting_mcp%2Cwaiting_backpressure');

    const layout = () =>
      page.$$eval('[data-testid="jobs-cluster"]', (clusters) =>
        clusters.map((cluster) => [
          cluster.getAttribute('data-cluster-id'),
          [...cluster.querySelectorAll('[data-testid="jobs-project"]')].map((project) => [
            project.querySelector('caption .ops-caption-title')?.textContent,
            [...project.querySelectorAll('[data-testid="job-row"]')].map((row) => row.getAttribute('data-run-id')),
          ]),
        ]),
      );
    // Clusters by id, projects by slug, the longest running job first; the parked run is not a job.
    expect(await layout()).toEqual([
      ['kind-dev', [['acme', [docs.id]], ['globex', [api.id]]]],
      ['prod-eu-1', [['acme', [widgets.id, billing.id]], ['globex', [portal.id]]]],
    ]);
    const rowOf = (id: string): string => `[data-testid="job-row"][data-run-id="${id}"]`;
    expect(await page.textContent(`${rowOf(billing.id)} [data-testid="job-wait"]`)).toBe('approval_pending');
    expect(await page.textContent(`${rowOf(widgets.id)} [data-testid="job-name"]`)).toBe('stageline-run-4f2a91c0-1stageline-acme-widgets-128');
    expect(await page.getAttribute(rowOf(portal.id), 'data-stale')).toBe('true');
    expect(await page.textContent(`${rowOf(portal.id)} [data-testid="job-heartbeat"]`)).toBe('4 min. ago stale');
    // The mark is seen whole, not cut by its column.
    expect(await page.$eval(`${rowOf(portal.id)} [data-testid="job-stale"]`, (badge) => badge.getBoundingClientRect().right <= (badge.closest('td')?.getBoundingClientRect().right ?? 0))).toBe(true);
    expect(await page.getAttribute(rowOf(widgets.id), 'data-stale')).toBe('false');
    expect(await page.textContent('[data-testid="jobs-summary"]')).toContain('5 jobs on 2 clusters · 1 stale');
    // The duration counts on by itself.
    const duration = `${rowOf(docs.id)} [data-testid="job-duration"]`;
    const before = await page.textContent(duration);
    expect(before).toMatch(/^3 min( \d+ s)?$/);
    await expect.poll(() => page.textContent(duration), { timeout: 5_000 }).not.toBe(before);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'jobs.png');

    // Dark like the other screens: the one global palette.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    expect(await page.$eval('[data-testid="job-stale"]', (badge) => getComputedStyle(badge).color)).toBe('rgb(255, 161, 152)');
    await page.emulateMedia({ colorScheme: 'light' });

    // Pushed over the socket: the widget run finishes, a new run starts on kind-dev.
    await markDocument(page);
    edge.updateRun(widgets.id, { status: 'succeeded', finished_at: new Date().toISOString() });
    await page.waitForSelector(rowOf(widgets.id), { state: 'detached' });
    const started = edge.upsertRun(
      makeRun({ status: 'running', project_id: OTHER_PROJECT_ID, cluster_id: 'kind-dev', repository_full_name: 'globex/portal', issue_number: 314, created_at: isoMinutesAgo(0.5), started_at: new Date().toISOString(), updated_at: new Date().toISOString(), job_name: 'stageline-run-7a1e93bd-1', namespace: 'stageline-globex-portal-314' }),
    );
    await page.waitForSelector(`${rowOf(started.id)}[data-status="running"]`);
    expect(await layout()).toEqual([
      ['kind-dev', [['acme', [docs.id]], ['globex', [api.id, started.id]]]],
      ['prod-eu-1', [['acme', [billing.id]], ['globex', [portal.id]]]],
    ]);
    // A job that stops waiting changes in place.
    edge.updateRun(billing.id, { status: 'running', wait_reason: null, wait_since: null });
    await page.waitForSelector(`${rowOf(billing.id)}[data-status="running"]`);
    expect(await page.$(`${rowOf(billing.id)} [data-testid="job-wait"]`)).toBeNull();
    expect(await documentWasKept(page)).toBe(true);

    // Keyboard: the run link is reachable and opens the run.
    await page.focus(`${rowOf(started.id)} [data-testid="run-link"]`);
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/runs/${started.id}`);
  });
});

describe('runs and run page in Chromium', { timeout: 90_000 }, () => {
  const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
  const PROJECT = DEFAULT_USER.projects[0]?.id ?? '';
  const ESC = '\u001b';

  function asMember(role: 'admin' | 'read_write' | 'read'): Me {
    return { ...DEFAULT_USER, projects: [{ id: PROJECT, slug: 'acme', name: 'Acme', role }] };
  }

  /** Signed in on `path` (a deep link: sign-in comes back to it), the socket live. */
  async function openAt(path: string, options: Omit<FakeEdgeOptions, 'distDir'>): Promise<{ edge: FakeEdge; page: Page }> {
    const opened = await openSignedOut(options, path);
    await signIn(opened.page);
    await waitForConnection(opened.page, 'live');
    return opened;
  }

  async function saveShot(target: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    await target.mouse.move(0, 0);
    await target.screenshot({ path: join(SHOTS, name) });
  }

  /** Neither the page nor the runs table scrolls sideways. */
  function fitsViewport(target: Page): Promise<boolean> {
    return target.evaluate(() => {
      const scroller = document.querySelector('.table-scroll');
      return document.documentElement.scrollWidth <= window.innerWidth && (scroller === null || scroller.scrollWidth <= scroller.clientWidth);
    });
  }

  function rowStatuses(target: Page): Promise<(string | null)[]> {
    return target.$$eval('[data-testid="run-row"]', (rows) => rows.map((row) => row.getAttribute('data-status')));
  }

  function logTexts(target: Page): Promise<(string | null)[]> {
    return target.$$eval('[data-testid="log-line"] .log-text', (lines) => lines.map((line) => line.textContent));
  }

  function tailCalls(edge: FakeEdge, runId: string): number {
    return edge.apiCalls.filter((call) => call.path === `/api/v1/staff/runs/${runId}/logs`).length;
  }

  /** The page's runs, richer than seedRuns(): durations, a wait, a pull request. */
  function richRuns(): Run[] {
    const [running, waiting, review, failed, pending] = seedRuns();
    const extra: Partial<Run>[] = [
      { started_at: minutesAgo(2.6), runner_phase: 'agent', model: 'gpt-5-codex', reasoning_effort: 'medium' },
      { started_at: minutesAgo(41), wait_reason: 'approval_pending', wait_target: 'secret_sync apply', wait_since: minutesAgo(12) },
      { started_at: minutesAgo(178), wait_reason: 'owner_review', wait_since: minutesAgo(95), pull_request_number: 122, pull_request_url: 'https://github.com/acme/widgets/pull/122' },
      { started_at: minutesAgo(60 * 26 - 1), finished_at: minutesAgo(60 * 25), job_name: 'stageline-run-0c19ab7e-1-with-a-rather-long-generated-suffix' },
      {},
    ];
    return [running, waiting, review, failed, pending].map((run, index) => ({ ...(run ?? makeRun()), ...extra[index] }));
  }

  function manyRuns(): Run[] {
    const dev = Array.from({ length: 55 }, (_, i) =>
      makeRun({
        status: 'running',
        trigger_label: 'run:dev',
        issue_number: 300 + i,
        issue_url: `https://github.com/acme/widgets/issues/${300 + i}`,
        created_at: minutesAgo(i + 3),
        started_at: minutesAgo(i + 2),
        updated_at: minutesAgo(1),
      }),
    );
    return [makeRun({ status: 'failed', trigger_label: 'run:dev', created_at: minutesAgo(1) }), makeRun({ status: 'running', trigger_label: 'run:plan', created_at: minutesAgo(2) }), ...dev];
  }

  it('keeps the filters in the address (a reload shows the same view), pages with Load more and shows only matching live runs', async () => {
    const runs = manyRuns();
    const { edge, page } = await openAt('/runs', { runs });
    await page.waitForSelector('[data-testid="run-row"]');
    expect(await fitsViewport(page)).toBe(true);

    await page.click('[data-testid="filter-status"] summary');
    await page.check('[data-testid="filter-status-option"][value="running"]');
    await page.fill('[data-testid="filter-label"]', 'run:dev');
    await page.press('[data-testid="filter-label"]', 'Enter');
    await expect.poll(() => new URL(page.url()).search).toBe('?status=running&label=run%3Adev');
    await expect.poll(() => rowStatuses(page)).toHaveLength(50);
    expect(new Set(await rowStatuses(page))).toEqual(new Set(['running']));
    expect(edge.runPages.listQueries.at(-1)).toBe('?limit=50&status=running&label=run%3Adev');

    await page.click('[data-testid="load-more"]');
    await expect.poll(() => rowStatuses(page)).toHaveLength(55);
    expect(edge.runPages.listQueries.at(-1)).toMatch(/^\?limit=50&status=running&label=run%3Adev&cursor=/);
    expect(await page.$('[data-testid="load-more"]')).toBeNull();

    // Live: a run that does not match stays out, one that does comes in, one that stops matching leaves.
    await markDocument(page);
    const planned = edge.upsertRun(makeFreshRun({ status: 'pending', trigger_label: 'run:dev' }));
    const started = edge.upsertRun(makeFreshRun({ status: 'running', trigger_label: 'run:dev' }));
    await waitForRow(page, started.id, 'running');
    expect(first(await rowIds(page))).toBe(started.id);
    expect(await page.$(`[data-testid="run-row"][data-run-id="${planned.id}"]`)).toBeNull();
    const finished = runs[2] ?? first(runs);
    edge.updateRun(finished.id, { status: 'succeeded', finished_at: new Date().toISOString() });
    await page.waitForSelector(`[data-testid="run-row"][data-run-id="${finished.id}"]`, { state: 'detached' });
    edge.updateRun(planned.id, { status: 'running' });
    await waitForRow(page, planned.id, 'running');
    expect(await documentWasKept(page)).toBe(true);

    // A reload (or the same link elsewhere) shows the same view.
    const address = page.url();
    await page.reload();
    await page.waitForSelector('[data-testid="run-row"]');
    expect(page.url()).toBe(address);
    expect(await page.isChecked('[data-testid="filter-status-option"][value="running"]')).toBe(true);
    expect(await page.inputValue('[data-testid="filter-label"]')).toBe('run:dev');
    await expect.poll(() => rowStatuses(page)).toHaveLength(50);
    expect(new Set(await rowStatuses(page))).toEqual(new Set(['running']));
    expect(edge.runPages.listQueries.at(-1)).toBe('?limit=50&status=running&label=run%3Adev');

    // A row leads to its run page.
    await page.click(`[data-testid="run-row"][data-run-id="${started.id}"] [data-testid="run-link"]`);
    await page.waitForSelector(`[data-testid="run-status"][data-status="running"]`);
    expect(new URL(page.url()).pathname).toBe(`/runs/${started.id}`);
    await page.goBack();
    await expect.poll(() => page.url()).toBe(address);

    // The project is named by its slug in the address and by its id to the API.
    await page.selectOption('[data-testid="filter-project"]', 'acme');
    await expect.poll(() => new URL(page.url()).searchParams.get('project')).toBe('acme');
    await page.reload();
    await page.waitForSelector('[data-testid="run-row"]');
    expect(await page.inputValue('[data-testid="filter-project"]')).toBe('acme');
    expect(edge.runPages.listQueries.at(-1)).toBe(`?limit=50&status=running&label=run%3Adev&project=${PROJECT}`);

    await page.click('[data-testid="filter-clear"]');
    await expect.poll(() => new URL(page.url()).search).toBe('');
    await expect.poll(async () => (await rowStatuses(page)).includes('failed')).toBe(true);
  });

  it('shows the runs without sideways scrolling at 1280 px, in light and dark', async () => {
    const { page } = await openAt('/runs', { runs: richRuns() });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForSelector('[data-testid="run-row"][data-status="running"]');
    expect(await fitsViewport(page)).toBe(true);
    expect(await page.textContent('[data-testid="run-row"][data-status="waiting_mcp"] [data-testid="run-wait"]')).toContain('approval_pending');
    await saveShot(page, 'runs.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    await saveShot(page, 'runs-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a read member Cancel disabled and sends nothing; a read_write member cancels after confirming, then retries', async () => {
    const run = makeFreshRun({ status: 'running', started_at: minutesAgo(2), cluster_id: 'kind-dev', job_name: 'stageline-run-1-1', namespace: 'stageline-acme-widgets-42' });
    const { edge, page } = await openAt(`/runs/${run.id}`, { runs: [run], user: asMember('read') });
    await page.waitForSelector('[data-testid="cancel-run"]');
    expect(await page.isDisabled('[data-testid="cancel-run"]')).toBe(true);
    expect(await page.textContent('[data-testid="cancel-refusal"]')).toBe('Your role in this project (read) may not cancel runs.');
    await page.click('[data-testid="cancel-run"]', { force: true });
    expect(await page.$('[data-testid="cancel-confirm"]')).toBeNull();
    expect(await page.$('text=Retry')).toBeNull();
    expect(edge.runPages.cancels).toEqual([]);
    expect(edge.apiCalls.some((call) => call.path.endsWith('/cancel'))).toBe(false);

    edge.setUser(asMember('read_write'));
    await page.reload();
    await page.waitForSelector('[data-testid="cancel-run"]:not([disabled])');
    await page.click('[data-testid="cancel-run"]');
    await page.fill('[data-testid="cancel-reason"]', 'wrong issue');
    await page.click('[data-testid="cancel-confirm-button"]');
    await page.waitForSelector('[data-testid="run-status"][data-status="canceled"]');
    expect(edge.runPages.cancels).toEqual([{ path: `/api/v1/staff/runs/${run.id}/cancel`, body: { reason: 'wrong issue' }, csrf: edge.csrfToken(), status: 200 }]);
    expect(await page.textContent('[data-testid="run-notice"]')).toBe('Canceled (was running). The Job’s stop was requested.');
    expect(await page.isDisabled('[data-testid="cancel-run"]')).toBe(true);

    // Finished now: Retry starts it again as a new run, and the page moves to it.
    await page.click('[data-testid="retry-run"]:not([disabled])');
    await expect.poll(() => new URL(page.url()).pathname).not.toBe(`/runs/${run.id}`);
    await page.waitForSelector('[data-testid="run-status"][data-status="pending"]');
    const fresh = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    // A second retry of the old run names the new one.
    await page.goBack();
    await page.waitForSelector('[data-testid="run-status"][data-status="canceled"]');
    await page.click('[data-testid="retry-run"]:not([disabled])');
    await expect.poll(() => page.textContent('[data-testid="run-notice"]')).toContain('retried already');
  });

  it('streams a running run’s log live, without duplicates, as text; searches it and downloads it', async () => {
    const run = makeFreshRun({ status: 'running', started_at: minutesAgo(1), cluster_id: 'kind-dev' });
    const seeded = [`${ESC}[1;32m✓${ESC}[0m workspace ready`, 'step 1: install', '<script>window.__pwned = 1</script>'];
    const { edge, page } = await openAt(`/runs/${run.id}`, { runs: [run], runPages: { logs: { [run.id]: [seeded] } } });
    await page.waitForSelector('[data-testid="log-line"]');
    expect(await logTexts(page)).toEqual(['✓ workspace ready', 'step 1: install', '<script>window.__pwned = 1</script>']);
    expect(await page.$$('[data-testid="log-lines"] script')).toHaveLength(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await markDocument(page);

    edge.runPages.appendLog(run.id, ['step 2: build', `${ESC}[31merror${ESC}[0m: flaky test`]);
    await expect.poll(() => logTexts(page), { timeout: 6_000 }).toHaveLength(5);
    edge.runPages.appendLog(run.id, ['step 3: test']);
    const all = ['✓ workspace ready', 'step 1: install', '<script>window.__pwned = 1</script>', 'step 2: build', 'error: flaky test', 'step 3: test'];
    await expect.poll(() => logTexts(page), { timeout: 6_000 }).toEqual(all);
    // More polls over the same lines add nothing.
    const calls = tailCalls(edge, run.id);
    await expect.poll(() => tailCalls(edge, run.id), { timeout: 6_000 }).toBeGreaterThan(calls + 1);
    expect(await logTexts(page)).toEqual(all);
    expect(await page.$eval('[data-testid="log-line"][data-index="4"] .log-text span', (span) => getComputedStyle(span).color)).toBe('rgb(187, 0, 0)');
    expect(await documentWasKept(page)).toBe(true);

    await page.fill('[data-testid="log-search"]', 'STEP');
    expect(await page.textContent('[data-testid="log-match-count"]')).toBe('3 matching lines');
    expect(await page.$$eval('[data-testid="log-lines"] mark', (marks) => marks.map((mark) => mark.textContent))).toEqual(['step', 'step', 'step']);
    await page.check('[data-testid="log-only-matches"]');
    expect(await logTexts(page)).toEqual(['step 1: install', 'step 2: build', 'step 3: test']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="log-download"]')]);
    expect(download.suggestedFilename()).toBe(`run-${run.id.slice(0, 8)}-attempt-1.txt`);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) {
      chunks.push(chunk as Buffer);
    }
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`${all.join('\n')}\n`);

    // A finished run is not polled any more (one last read after the status change).
    edge.updateRun(run.id, { status: 'succeeded', finished_at: new Date().toISOString() });
    await page.waitForSelector('[data-testid="run-status"][data-status="succeeded"]');
    await page.waitForTimeout(2_500);
    const settled = tailCalls(edge, run.id);
    await page.waitForTimeout(4_500);
    expect(tailCalls(edge, run.id)).toBe(settled);
  });

  it('renders a long finished log virtualized and joins the past lines from history', async () => {
    const run = makeFreshRun({ status: 'failed', started_at: minutesAgo(20), finished_at: minutesAgo(2) });
    const chunks = Array.from({ length: 30 }, (_, chunk) => Array.from({ length: 100 }, (_, line) => `chunk ${chunk} line ${line}`));
    const { edge, page } = await openAt(`/runs/${run.id}`, { runs: [run], runPages: { logs: { [run.id]: chunks } } });
    await page.waitForSelector('[data-testid="log-partial"]');
    expect(await page.textContent('[data-testid="log-partial"]')).toContain('Only the newest lines are loaded.');
    // 2000 lines are held, a few dozen rendered; the view follows the end.
    await expect.poll(async () => (await logTexts(page)).at(-1)).toBe('chunk 29 line 99');
    expect((await page.$$('[data-testid="log-line"]')).length).toBeLessThan(120);

    // At the top, the gap row says the same.
    await page.$eval('[data-testid="log-lines"]', (scroller) => scroller.scrollTo(0, 0));
    await page.waitForSelector('[data-testid="log-gap"]');
    expect(await page.isChecked('[data-testid="log-follow"]')).toBe(false);
    expect(first(await logTexts(page))).toBe('chunk 10 line 0');
    await page.click('[data-testid="log-gap"] [data-testid="log-load-history"]');
    await page.waitForSelector('[data-testid="log-partial"]', { state: 'detached' });
    await page.waitForSelector('[data-testid="log-gap"]', { state: 'detached' });
    expect(first(await logTexts(page))).toBe('chunk 0 line 0');
    expect(await page.textContent('[data-testid="log-line"][data-index="0"] .log-number')).toBe('1');
    expect(edge.apiCalls.filter((call) => call.path.endsWith('/logs/history'))).toHaveLength(1);
    await page.$eval('[data-testid="log-lines"]', (scroller) => scroller.scrollTo(0, scroller.scrollHeight));
    await expect.poll(async () => (await logTexts(page)).at(-1)).toBe('chunk 29 line 99');
    expect(await page.textContent('[data-testid="log-line"][data-index="2999"] .log-number')).toBe('3000');
  });

  it('shows the run’s facts, pull request link, timeline and agent activity; a missing run is “not found”', async () => {
    const at = (minutes: number): string => minutesAgo(minutes);
    const run = makeFreshRun({
      status: 'waiting_owner_review',
      repository_full_name: 'acme/widgets',
      issue_number: 128,
      issue_url: 'https://github.com/acme/widgets/issues/128',
      trigger_label: 'run:dev',
      agent_key: 'dev',
      cluster_id: 'kind-dev',
      job_name: 'stageline-run-4f2a91c0-1',
      namespace: 'stageline-acme-widgets-128',
      branch_name: 'stageline/issue-128',
      pull_request_number: 131,
      pull_request_url: 'https://github.com/acme/widgets/pull/131',
      model: 'gpt-5-codex',
      reasoning_effort: 'high',
      wait_reason: 'owner_review',
      wait_since: at(4),
      runner_phase: 'pull_request',
      status_lines: ['Opened pull request #131', 'Waiting for the owner’s review'],
      created_at: at(31),
      started_at: at(30),
      last_heartbeat_at: at(4),
    });
    const flowEvents = [
      { id: 1, at: at(31), actor_type: 'human', actor_id: 'octocat', event_type: 'run.available', payload: { trigger_label: 'run:dev', issue_number: 128 } },
      { id: 2, at: at(30.5), actor_type: 'agent', actor_id: 'kind-dev', event_type: 'run.claimed', payload: { epoch: 1 } },
      { id: 3, at: at(30), actor_type: 'system', actor_id: null, event_type: 'run.started', payload: { job_name: 'stageline-run-4f2a91c0-1' } },
      { id: 4, at: at(4), actor_type: 'system', actor_id: null, event_type: 'run.owner_review.entered', payload: { pull_request_number: 131 } },
    ];
    const runnerEvents = [
      { attempt_no: 1, seq: 0, at: at(29.8), kind: 'phase', payload: { phase: 'workspace', branch: 'stageline/issue-128' } },
      { attempt_no: 1, seq: 1, at: at(29.5), kind: 'phase', payload: { phase: 'agent', engine: 'codex', model: 'gpt-5-codex', resumed: false } },
      { attempt_no: 1, seq: 2, at: at(29.4), kind: 'session_started', payload: { engine: 'codex', session_id: 'sess-5d1' } },
      { attempt_no: 1, seq: 3, at: at(28), kind: 'agent_message', payload: { text: 'The issue asks for retry with backoff in the widget client.\nI will add it and a test.' } },
      { attempt_no: 1, seq: 4, at: at(20), kind: 'tool_call', payload: { tool: 'shell', command: 'npm test -- widget-client', exit_code: 0, status: 'completed' } },
      { attempt_no: 1, seq: 5, at: at(12), kind: 'tool_call', payload: { tool: 'github.create_pull_request', status: 'completed' } },
      { attempt_no: 1, seq: 6, at: at(11), kind: 'usage', payload: { input_tokens: 182_340, cached_input_tokens: 120_000, output_tokens: 9_812 } },
      { attempt_no: 1, seq: 7, at: at(5), kind: 'phase', payload: { phase: 'pull_request' } },
      { attempt_no: 1, seq: 8, at: at(4), kind: 'finished', payload: { outcome: 'waiting', wait_reason: 'owner_review', rss_peak_mb: 412 } },
    ];
    const logLines = [
      `${ESC}[2m2026-03-01T10:00:01Z${ESC}[0m ${ESC}[36mrunner${ESC}[0m workspace: cloning acme/widgets`,
      `${ESC}[2m2026-03-01T10:00:04Z${ESC}[0m ${ESC}[36mrunner${ESC}[0m branch stageline/issue-128`,
      `${ESC}[2m2026-03-01T10:00:05Z${ESC}[0m ${ESC}[36mrunner${ESC}[0m agent: codex gpt-5-codex (effort high)`,
      ...Array.from({ length: 14 }, (_, i) => `${ESC}[2m2026-03-01T10:0${Math.floor(i / 6) + 1}:${String(10 + i * 3).padStart(2, '0')}Z${ESC}[0m   ${i % 5 === 4 ? `${ESC}[33mwarn${ESC}[0m` : 'info'} widget-client.test.ts › retries ${i + 1}`),
      `${ESC}[32m✓${ESC}[0m 14 tests passed`,
      `${ESC}[2m2026-03-01T10:09:40Z${ESC}[0m ${ESC}[36mrunner${ESC}[0m push: 3 files on stageline/issue-128`,
      `${ESC}[2m2026-03-01T10:09:44Z${ESC}[0m ${ESC}[36mrunner${ESC}[0m pull request ${ESC}[1mhttps://github.com/acme/widgets/pull/131${ESC}[0m`,
    ];
    const { edge, page } = await openAt(`/runs/${run.id}`, { runs: [run], runPages: { logs: { [run.id]: [logLines] }, flowEvents: { [run.id]: flowEvents }, runnerEvents: { [run.id]: runnerEvents } } });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForSelector('[data-testid="timeline-entry"]');
    expect(await page.getAttribute('[data-testid="run-pr-link"]', 'href')).toBe('https://github.com/acme/widgets/pull/131');
    expect(await page.textContent('[data-testid="run-pr-link"]')).toBe('#131');
    expect(await page.getAttribute('[data-testid="run-issue-link"]', 'href')).toBe('https://github.com/acme/widgets/issues/128');
    expect(await page.textContent('[data-testid="run-stage"]')).toBe('run:dev');
    expect(await page.textContent('[data-testid="run-facts"]')).toContain('gpt-5-codex · effort high');
    expect(await page.textContent('[data-testid="run-wait"]')).toContain('owner_review');
    expect(await page.textContent('[data-testid="run-status-lines"]')).toContain('Opened pull request #131');
    expect(await page.$$eval('[data-testid="timeline-entry"] .timeline-title', (titles) => titles.map((title) => title.textContent))).toEqual([
      'run.available',
      'run.claimed',
      'run.started',
      'phase workspace',
      'phase agent',
      'session_started',
      'phase pull_request',
      'run.owner_review.entered',
      'finished waiting',
    ]);
    expect(await page.$$eval('[data-testid="activity-entry"]', (entries) => entries.map((entry) => entry.getAttribute('data-kind')))).toEqual(['message', 'tool', 'tool']);
    expect(await page.textContent('[data-testid="run-facts"]')).toContain('182,340 in (120,000 cached) · 9,812 out');
    expect(await page.getAttribute('a.nav-link[href="/runs"]', 'aria-current')).toBe('true');
    expect(await page.title()).toBe(`Run ${run.id.slice(0, 8)} · Stageline`);
    await page.waitForSelector('[data-testid="log-line"]');
    expect(await fitsViewport(page)).toBe(true);
    await saveShot(page, 'run-detail.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveShot(page, 'run-detail-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });

    // A status change brings the new audit events.
    edge.runPages.addFlowEvent(run.id, { at: new Date().toISOString(), actor_type: 'human', actor_id: 'octocat', event_type: 'run.succeeded', payload: { merged: true } });
    edge.updateRun(run.id, { status: 'succeeded', finished_at: new Date().toISOString(), wait_reason: null, wait_since: null });
    await page.waitForSelector('[data-testid="run-status"][data-status="succeeded"]');
    await expect.poll(() => page.$$eval('[data-testid="timeline-entry"]', (entries) => entries.length)).toBe(10);

    await page.goto(`${edge.url}/runs/${crypto.randomUUID()}`);
    await page.waitForSelector('[data-testid="run-not-found"]');
    expect(await page.textContent('[data-testid="run-not-found"]')).toContain('or it belongs to a project you are not a member of');
    await page.goto(`${edge.url}/nowhere`);
    await page.waitForSelector('#not-found-title');
    expect(await page.title()).toBe('Not found · Stageline');
  });
});
