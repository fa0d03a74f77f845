// Serves the edge Worker in workerd through Miniflare's API, without `wrangler
// dev`'s second workerd (its dev proxy) and without wrangler's Node process in
// the request path: a request goes straight to the one workerd process that
// runs the Worker and its Durable Objects. `npm start` and the benchmarks use
// it (tools/stack.mjs, `edgeRunner: 'miniflare'`); `wrangler dev` keeps working
// as before and stays what the e2e tests run.
//
// It runs the bundle `wrangler deploy --dry-run` builds (the same esbuild
// bundle, with wrangler's nodejs_compat handling) and takes the bindings,
// vars, Durable Object classes, assets and compatibility settings from
// wrangler.toml through wrangler's own `unstable_getMiniflareWorkerOptions`,
// so nothing is declared twice. Durable Object state goes where `wrangler dev
// --persist-to <dir>` puts it (<dir>/v3), so either runner sees the same state.
//
//   node tools/serve-edge.mjs [-c wrangler.toml] --port 8787 [--ip 127.0.0.1]
//     [--inspector-port 9229] [--direct-port 8788] [--persist-to dir] [--env-file file] [--var KEY:VALUE]… [--watch]
//
// `--env-file` and `--var` mean what they mean to `wrangler dev` (the file's
// values are bound like secrets). `--inspector-port` opens workerd's own V8
// inspector (`--inspector-addr`), with no proxy in between:
// bench/profile-ingest.mjs takes CPU profiles through it. `--direct-port`
// opens a second socket straight into the Worker, past Miniflare's entry
// worker and the assets router (both local only; run_worker_first paths
// behave the same either way). `--watch` rebuilds
// and reloads the Worker when a source file changes (like `wrangler dev`;
// the benchmarks leave it off). Prints `{"msg":"edge ready",…}` once serving;
// SIGTERM/SIGINT stop workerd.
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The sources the bundle is built from: an edit here rebuilds under `--watch`. */
const WATCHED = ['edge/src', 'policy/src', 'protocol/src', 'drizzle/src'].map((d) => path.join(ROOT, d));

/** `KEY="value"` lines as tools/stack.mjs writes them (a double-quoted value may span lines, e.g. a PEM). */
export function parseEnvFile(text) {
  const out = {};
  for (const m of text.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(.*))$/gms)) {
    out[m[1]] = m[2] ?? m[3].split('\n')[0].trim();
  }
  return out;
}

/** `wrangler deploy --dry-run --outdir`: the bundle a deploy would upload, not minified. */
async function buildBundle(configPath, outdir) {
  const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
  const child = spawn(wrangler, ['deploy', '--dry-run', '--outdir', outdir, '-c', configPath], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_LOG: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    throw new Error(`wrangler deploy --dry-run exited with ${code}`);
  }
  return path.join(outdir, 'index.js');
}

/**
 * @param {{ configPath?: string, port: number, ip?: string, inspectorPort?: number, directPort?: number, persistTo?: string,
 *   bindings?: Record<string, string>, outdir?: string }} opts
 * @returns {Promise<{ url: string, directUrl?: string, inspectorPort?: number, scriptPath: string, reload: () => Promise<void>, dispose: () => Promise<void> }>}
 */
export async function serveEdge(opts) {
  const configPath = path.resolve(ROOT, opts.configPath ?? 'wrangler.toml');
  const persistTo = opts.persistTo ?? path.join(ROOT, '.wrangler', 'state');
  const outdir = opts.outdir ?? path.join(persistTo, 'edge-bundle');
  await mkdir(outdir, { recursive: true });
  // wrangler fills required secrets it finds in process.env; ours come from `bindings` only.
  // The bundle is one ES module, so wrangler's module rules (which Miniflare 5 no longer takes) have nothing to match.
  const { modulesRules: _rules, ...workerOptions } = unstable_getMiniflareWorkerOptions(configPath).workerOptions;
  const options = (scriptPath) =>
    convertV4MiniflareOptions({
      rootPath: ROOT,
      host: opts.ip ?? '127.0.0.1',
      port: opts.port,
      inspectorPort: opts.inspectorPort,
      // The entry worker would report every request to this Node process over the loopback service.
      logRequests: false,
      log: new Log(LogLevel.WARN),
      resourcePersistencePath: path.join(persistTo, 'v3'),
      workers: [
        {
          ...workerOptions,
          // The name `wrangler dev` gives the Worker: Durable Object state is keyed by it.
          name: 'stageline-edge',
          bindings: { ...workerOptions.bindings, ...opts.bindings },
          // The cron trigger runs only when asked (`wrangler dev --test-scheduled` likewise).
          cronTriggers: [],
          modules: true,
          modulesRoot: outdir,
          scriptPath,
          // A second socket straight into the Worker, past Miniflare's entry worker and the assets
          // router, neither of which runs in production: the benchmarks measure what is left.
          ...(opts.directPort === undefined ? {} : { unsafeDirectSockets: [{ host: opts.ip ?? '127.0.0.1', port: opts.directPort }] }),
        },
      ],
    });
  let scriptPath = await buildBundle(configPath, outdir);
  const mf = new Miniflare(options(scriptPath));
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return {
    url,
    directUrl: opts.directPort === undefined ? undefined : `http://${opts.ip ?? '127.0.0.1'}:${opts.directPort}`,
    inspectorPort: opts.inspectorPort,
    scriptPath,
    reload: async () => {
      scriptPath = await buildBundle(configPath, outdir);
      await mf.setOptions(options(scriptPath));
    },
    dispose: () => mf.dispose(),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c', default: 'wrangler.toml' },
      port: { type: 'string', default: '8787' },
      ip: { type: 'string', default: '127.0.0.1' },
      'inspector-port': { type: 'string' },
      'direct-port': { type: 'string' },
      'persist-to': { type: 'string' },
      'env-file': { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
      watch: { type: 'boolean', default: false },
    },
  });
  const bindings = values['env-file'] ? parseEnvFile(await readFile(values['env-file'], 'utf8')) : {};
  for (const kv of values.var) {
    const at = kv.indexOf(':');
    if (at <= 0) {
      throw new Error(`--var ${kv}: expected KEY:VALUE`);
    }
    bindings[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const edge = await serveEdge({
    configPath: values.config,
    port: Number(values.port),
    ip: values.ip,
    inspectorPort: values['inspector-port'] === undefined ? undefined : Number(values['inspector-port']),
    directPort: values['direct-port'] === undefined ? undefined : Number(values['direct-port']),
    persistTo: values['persist-to'] === undefined ? undefined : path.resolve(values['persist-to']),
    bindings,
  });
  console.log(JSON.stringify({ msg: 'edge ready', url: edge.url, directUrl: edge.directUrl ?? null, inspectorPort: edge.inspectorPort ?? null, runner: 'miniflare' }));
  if (values.watch) {
    let timer = null;
    let reloading = Promise.resolve();
    const onChange = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reloading = reloading.then(async () => {
          // The same words as `wrangler dev`, which bench/ingest.mjs counts as reloads.
          console.log(JSON.stringify({ msg: 'Reloading local server', runner: 'miniflare' }));
          await edge.reload().catch((error) => console.error(JSON.stringify({ msg: 'edge rebuild failed', error: String(error) })));
        });
      }, 200);
    };
    for (const dir of WATCHED) {
      watch(dir, { recursive: true }, onChange);
    }
  }
  const stop = () => {
    edge.dispose().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
