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
    await page.screenshot({ path: '/tmp/stageline-console-inbox.png', fullPage: true });

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
    expect(await page.$$(`[data-testid="inbox-approval"]`)).toHaveLength(1);
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
