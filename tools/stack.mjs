// Starts the whole local system — Postgres (PGlite or a real server) behind
// the Neon-style proxy, the fake GitHub (the edge's GitHub App talks to it),
// the edge under `wrangler dev` (workerd), the simulated Kubernetes API server
// and a cluster-agent process — for `npm start`, the e2e tests and the
// benchmarks. Every child runs in its own process group so
// stopping kills wrangler/workerd too.
import { spawn } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, seedProject, startDatabase } from '@stageline/db/dev';
import { startFakeGitHub } from '@stageline/github-fake';
import { startKubeSim } from '@stageline/kubesim';
import { startFakeTelegram } from '@stageline/telegram-fake';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const QUIET_ENV = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
/** The demo GitHub App and the installation the webhook payloads (tools/webhook.mjs) name. */
export const DEMO_GITHUB = { appId: 4242, appSlug: 'stageline-dev', installationId: 44001, sender: 'octocat', issues: 2000 };
/**
 * Who can sign in to the console of the local system (the fake GitHub's
 * sign-in page lists them): one person per role of docs/domain.md §8.1.
 * `demo-admin` is a platform admin through STAGELINE_PLATFORM_ADMINS; the
 * others have a role in the `demo` project. octocat, the webhook sender, is
 * the project's admin.
 */
export const DEMO_STAFF = [
  { login: 'demo-admin', name: 'Platform admin', role: null },
  { login: 'octocat', name: 'The Octocat', role: 'admin' },
  { login: 'demo-maintainer', name: 'Project admin', role: 'admin' },
  { login: 'demo-dev', name: 'Read-write member', role: 'read_write' },
  { login: 'demo-viewer', name: 'Read-only member', role: 'read' },
];

/** A fresh App key pair: the fake verifies with the public key, the edge signs with the PKCS#1 private key (as GitHub hands it out). */
async function appKeyPair() {
  const pair = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey };
}

/** Node 22 from node_modules/.bin first (the system node may be older). */
function childPath() {
  return `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
}

// Process groups still running. If this process exits without `stop()` (a
// signal during start-up, an uncaught error), they are sent SIGTERM on the way
// out, so no wrangler/workerd or agent outlives it.
const liveGroups = new Set();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
});

function spawnGroup(cmd, args, { env, logFile, cwd = ROOT }) {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...QUIET_ENV, PATH: childPath(), ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) {
    liveGroups.add(child.pid);
  }
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  // The last of what it said, for a caller that must read why it exited (the file is written later).
  let tail = '';
  const keep = (/** @type {Buffer} */ chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  Object.defineProperty(child, 'outputTail', { get: () => tail });
  return child;
}

async function stopGroup(child, signal = 'SIGTERM') {
  if (child.pid === undefined) {
    return;
  }
  // The leader (npm) may be gone while the rest of its group (wrangler, workerd) is not: signal the group anyway.
  const leaderRunning = child.exitCode === null && child.signalCode === null;
  const exited = leaderRunning ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone: nothing to stop.
    liveGroups.delete(child.pid);
    return;
  }
  liveGroups.delete(child.pid);
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Exited between the check and the kill.
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`process for ${url} exited with ${child.exitCode}`);
    }
    try {
      // Bounded: whatever else holds the port may accept and never answer.
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}`);
}

/** Build the console once so the edge can serve it as static assets. */
export async function buildConsole(logFile) {
  const child = spawnGroup('npm', ['run', 'build', '-w', '@stageline/web'], { env: {}, logFile });
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) {
    throw new Error(`console build failed (${code}); see ${logFile}`);
  }
}

/**
 * @param {{ stateDir: string, dbKind?: 'auto'|'postgres'|'pglite', persist?: boolean,
 *   edgePort?: number, kubePort?: number, pgPort?: number, proxyPort?: number,
 *   agents?: number, clusterId?: string, clusterToken?: string, webhookSecret?: string,
 *   agentEnv?: Record<string,string>, build?: boolean, githubPort?: number, githubIssues?: number,
 *   edgeRunner?: 'wrangler'|'miniflare', edgeWatch?: boolean, jobRunner?: 'demo'|'agent', jobEnv?: Record<string,string>, proxyProcess?: boolean,
 *   pickPort?: () => Promise<number> }} opts
 * `pickPort` picks each of the edge's ports (default: one free now); a test hands it a taken one.
 */
export async function startStack(opts) {
  const stateDir = opts.stateDir;
  mkdirSync(stateDir, { recursive: true });
  const logFile = path.join(stateDir, 'stack.log');
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) {await s().catch(() => undefined);}
  };
  try {
    if (opts.build !== false) {await buildConsole(logFile);}
    const db = await startDatabase({
      kind: opts.dbKind ?? 'pglite',
      dataDir: opts.persist ? path.join(stateDir, 'pglite') : undefined,
      pgPort: opts.pgPort,
      proxyPort: opts.proxyPort,
      proxyProcess: opts.proxyProcess,
    });
    stops.push(() => db.stop());
    const clusterId = opts.clusterId ?? 'local';
    const clusterToken = opts.clusterToken ?? `slc_${randomBytes(24).toString('hex')}`;
    const webhookSecret = opts.webhookSecret ?? randomBytes(20).toString('hex');
    const runTokenKey = opts.runTokenKey ?? randomBytes(32).toString('hex');
    // Kept in the state directory: sealed values in a persisted database must still open after a restart.
    const keyFile = (name) => {
      const file = path.join(stateDir, name);
      if (!existsSync(file)) {
        writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
      }
      return readFileSync(file, 'utf8').trim();
    };
    const dataKey = keyFile('data-encryption-key');
    const secretSyncKey = keyFile('secret-sync-key');
    const sessionKey = keyFile('session-signing-key');
    const repo = { fullName: 'stageline-demo/app', externalId: 1000001 };
    await seedProject(db.url, { clusterId, clusterToken, projectSlug: 'demo', repoFullName: repo.fullName, repoExternalId: repo.externalId, members: DEMO_STAFF.filter((s) => s.role !== null) });

    // The fake GitHub: the App's installation on the demo repository, and the
    // webhook sender allowed to trigger runs (the edge asks for its permission).
    const appKeys = await appKeyPair();
    const github = await startFakeGitHub({ port: opts.githubPort ?? 0, appId: DEMO_GITHUB.appId, appSlug: DEMO_GITHUB.appSlug, appPublicKeyPem: appKeys.publicKeyPem });
    stops.push(() => github.close());
    github.seedInstallation({ id: DEMO_GITHUB.installationId, account: repo.fullName.split('/')[0], repositories: [{ id: repo.externalId, full_name: repo.fullName }] });
    github.setPermission({ repo: repo.fullName, user: DEMO_GITHUB.sender, permission: 'write' });
    for (const staff of DEMO_STAFF) {
      github.seedUser({ login: staff.login, name: staff.name });
    }
    // Open issues #1…#N, so the thread writes (reaction, status comment, labels) have an issue to land on.
    for (let number = 1; number <= (opts.githubIssues ?? DEMO_GITHUB.issues); number += 1) {
      github.seedIssue({ repo: repo.fullName, number });
    }

    // The fake Telegram Bot API (telegram-fake/): the bot the edge talks to, and the users tests play.
    const telegram = await startFakeTelegram({ port: opts.telegramPort ?? 0, botUsername: 'stageline_demo_bot' });
    stops.push(() => telegram.close());
    const telegramWebhookSecret = randomBytes(16).toString('hex');

    // workerd binds ports it is given by number, picked free beforehand; an outgoing connection elsewhere
    // on the machine may take one in between. The edge then exits with "Address already in use" and
    // starts again on other ports, unless the caller asked for a fixed one.
    const edgeRunner = opts.edgeRunner ?? 'wrangler';
    const edgeLog = path.join(stateDir, 'edge.log');
    let edgePort = 0;
    let edgeUrl = '';
    let inspectorPort = 0;
    /** @type {number | null} */
    let edgeDirectPort = null;
    /** @type {[string, string[]]} */
    let edgeCommand = ['', []];
    const pickEdgePorts = async () => {
      const pickPort = opts.pickPort ?? freePort;
      edgePort = opts.edgePort ?? (await pickPort());
      edgeUrl = `http://127.0.0.1:${edgePort}`;
      inspectorPort = await pickPort();
      edgeDirectPort = edgeRunner === 'miniflare' ? await pickPort() : null;
      edgeCommand = edgeCommandFor();
    };
    /** @returns {[string, string[]]} the edge's command line for the ports picked. */
    const edgeCommandFor = () => {
      const edgeVars = {
        TELEGRAM_API_URL: telegram.url,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_BOT_USERNAME: telegram.bot.username,
        STAGELINE_TELEGRAM_WEBHOOK_SECRET: telegramWebhookSecret,
        GITHUB_APP_ID: String(DEMO_GITHUB.appId),
        GITHUB_API_URL: github.url,
        STAGELINE_GITHUB_APP_SLUG: DEMO_GITHUB.appSlug,
        STAGELINE_CONSOLE_URL: edgeUrl,
        // Staff sign-in: the App's user authorization on the fake GitHub (web flow and API on one origin).
        GITHUB_WEB_URL: github.url,
        GITHUB_APP_CLIENT_ID: github.app().clientId,
        GITHUB_APP_CLIENT_SECRET: github.app().clientSecret,
        STAGELINE_PLATFORM_ADMINS: DEMO_STAFF.filter((s) => s.role === null).map((s) => s.login).join(','),
        ...opts.edgeVars,
        STAGELINE_MCP_TOKEN_SIGNING_KEY: runTokenKey,
        STAGELINE_DATA_ENCRYPTION_KEY: dataKey,
        STAGELINE_SECRET_SYNC_KEY: secretSyncKey,
        STAGELINE_SESSION_SIGNING_KEY: sessionKey,
        STAGELINE_LOG_LEVEL: opts.edgeLogLevel ?? 'info',
      };
      // The App's secrets are not in wrangler.toml's `secrets.required` (the first deploy has none), so
      // `wrangler dev` would not read them from a dotenv file: they go in as `--var`, the PEM's line
      // breaks written `\n` (the edge reads either form, github/app-jwt.ts).
      const bindingArgs = ['--var', `GITHUB_APP_PRIVATE_KEY:${appKeys.privateKeyPem.replace(/\r?\n/g, '\\n')}`, '--var', `WS_PROXY:${db.wsProxy}`, '--var', `DATABASE_URL:${db.url}`, '--var', `GITHUB_WEBHOOK_SECRET:${webhookSecret}`,
        ...Object.entries(edgeVars).flatMap(([k, v]) => ['--var', `${k}:${v}`])];
      // `miniflare` (tools/serve-edge.mjs): the same bundle and bindings in ONE workerd process, no dev proxy and no
      // wrangler Node process in the request path, its inspector is workerd's own; `wrangler`: `wrangler dev` (the e2e tests).
      return edgeRunner === 'miniflare'
        ? [process.execPath, [path.join(ROOT, 'tools', 'serve-edge.mjs'), '-c', 'wrangler.toml', '--port', String(edgePort), '--ip', '127.0.0.1',
          '--inspector-port', String(inspectorPort), '--direct-port', String(edgeDirectPort), '--persist-to', path.join(stateDir, 'wrangler'), ...(opts.edgeWatch ? ['--watch'] : []), ...bindingArgs]]
        : ['npm', ['exec', '-w', '@stageline/edge', '--', 'wrangler', 'dev', '-c', '../wrangler.toml', '--port', String(edgePort), '--ip', '127.0.0.1',
          '--inspector-port', String(inspectorPort), '--persist-to', path.join(stateDir, 'wrangler'), '--show-interactive-dev-session=false', ...bindingArgs]];
    };
    let edge = null;
    const startEdge = async () => {
      // wrangler also reads process.env for secrets: only the `--var` values count.
      edge = spawnGroup(edgeCommand[0], edgeCommand[1], { env: { GITHUB_APP_PRIVATE_KEY: undefined, GITHUB_WEBHOOK_SECRET: undefined }, logFile: edgeLog });
      try {
        await waitForHttp(`${edgeUrl}/healthz`, 60_000, edge);
      } catch (error) {
        // Its output is read to the end once its pipes close (bounded: a stray holder may keep them open).
        const closed = new Promise((r) => (edge.stdout.closed && edge.stderr.closed ? r(undefined) : edge.once('close', r)));
        await stopGroup(edge);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000).unref())]);
        const said = edge.outputTail;
        throw /address already in use|EADDRINUSE/i.test(said) ? Object.assign(new Error(`edge ports taken: ${edgeUrl}`), { portTaken: true }) : error;
      }
    };
    /** Stop the edge (every socket drops, as in a deploy) and start it again on the same port. */
    const restartEdge = async () => {
      await stopGroup(edge);
      await startEdge();
    };
    stops.push(() => stopGroup(edge));
    for (let attempt = 1; ; attempt += 1) {
      await pickEdgePorts();
      try {
        await startEdge();
        break;
      } catch (error) {
        if (!error?.portTaken || opts.edgePort !== undefined || attempt >= 3) {
          throw error;
        }
      }
    }
    // The documented setup step (docs/deploy.md, Telegram): point the bot's webhook at the edge, with the secret.
    const hook = await fetch(`${telegram.url}/bot${telegram.token}/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${edgeUrl}/telegram/webhook`, secret_token: telegramWebhookSecret, allowed_updates: ['message', 'callback_query'] }) });
    if (!hook.ok) {
      throw new Error(`setWebhook on the fake Telegram: ${hook.status}`);
    }

    const kube = await startKubeSim({ port: opts.kubePort ?? 0, workDir: path.join(stateDir, 'pods') });
    mkdirSync(path.join(stateDir, 'pods'), { recursive: true });
    stops.push(() => kube.close());
    const kubeconfig = path.join(stateDir, 'kubeconfig.yaml');
    await kube.writeKubeconfig(kubeconfig);

    const agentEnv = {
      STAGELINE_EDGE_URL: edgeUrl,
      STAGELINE_CLUSTER_TOKEN: clusterToken,
      KUBECONFIG: kubeconfig,
      // `jobRunner: 'agent'`: the real runner (runner/src/main.ts) drives the coding agent; else the demo script.
      STAGELINE_JOB_COMMAND: JSON.stringify(
        opts.jobRunner === 'agent'
          ? [process.execPath, path.join(ROOT, 'runner', 'src', 'main.ts')]
          : [process.execPath, path.join(ROOT, 'tools', 'demo-runner.mjs'), ...Object.entries(opts.runner ?? {}).flatMap(([k, v]) => [`--${k}`, String(v)])],
      ),
      ...(opts.jobEnv ? { STAGELINE_JOB_ENV: JSON.stringify(opts.jobEnv) } : {}),
      STAGELINE_JOB_IMAGE: 'ghcr.io/stageline/runner:dev',
      STAGELINE_RECONCILE_INTERVAL: '2s',
      // Several agents share this host: each ops endpoint takes a free port.
      STAGELINE_HTTP_PORT: '0',
      ...opts.agentEnv,
    };
    const agents = [];
    const startAgent = (name) => {
      // `bundle`: the esbuild bundle the image ships (build it first); default: the sources.
      const entry = opts.agentEntry === 'bundle' ? path.join(ROOT, 'cluster-agent', 'dist', 'main.js') : path.join(ROOT, 'cluster-agent', 'src', 'main.ts');
      const child = spawnGroup(process.execPath, [entry], {
        env: { ...agentEnv, STAGELINE_INSTANCE_ID: `${clusterId}/${name}` },
        logFile: path.join(stateDir, `agent-${name}.log`),
      });
      agents.push(child);
      return child;
    };
    for (let i = 0; i < (opts.agents ?? 1); i += 1) {
      startAgent(`agent-${i}`);
    }
    stops.push(async () => {
      for (const a of agents) {await stopGroup(a);}
    });
    return { edgeUrl, edgeRunner, edgeInspectorPort: inspectorPort, edgeDirectUrl: edgeDirectPort === null ? null : `http://127.0.0.1:${edgeDirectPort}`, db, kube, github, githubApp: { ...DEMO_GITHUB, privateKeyPem: appKeys.privateKeyPem }, kubeconfig, clusterId, clusterToken, webhookSecret, runTokenKey, dataKey, secretSyncKey, repo, telegram, stateDir, agents, startAgent, stopGroup, stop, restartEdge };
  } catch (error) {
    await stop();
    throw error;
  }
}
