// `npm start`: the whole system on embedded defaults — PGlite (or DATABASE_URL
// is not needed), the edge under wrangler dev, the simulated cluster and one
// connected cluster-agent. State lives in .devdata/ (gitignored).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startStack } from './stack.mjs';

const stateDir = path.join(ROOT, '.devdata');
const settingsFile = path.join(stateDir, 'dev.json');
// Keep the cluster token and webhook secret across restarts so the simulator keeps working.
const saved = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};

const started = Date.now();
console.log('stageline: starting embedded Postgres, edge (wrangler dev), simulated cluster and cluster-agent…');
const stack = await startStack({
  stateDir,
  persist: true,
  dbKind: 'pglite',
  edgePort: Number(process.env.STAGELINE_EDGE_PORT ?? 8787),
  pgPort: 15432,
  proxyPort: 18433,
  kubePort: Number(process.env.STAGELINE_KUBE_PORT ?? 16443),
  clusterToken: saved.clusterToken,
  webhookSecret: saved.webhookSecret,
  runTokenKey: saved.runTokenKey,
});
writeFileSync(
  settingsFile,
  JSON.stringify({ edgeUrl: stack.edgeUrl, clusterToken: stack.clusterToken, webhookSecret: stack.webhookSecret, runTokenKey: stack.runTokenKey, repo: stack.repo, kubeconfig: stack.kubeconfig }, null, 2),
);

console.log(`
stageline is up in ${((Date.now() - started) / 1000).toFixed(1)} s
  console     ${stack.edgeUrl}/
  database    ${stack.db.url}  (PGlite, data in .devdata/pglite)
  kubernetes  ${stack.kube.url}  (simulated; kubeconfig .devdata/kubeconfig.yaml)
  logs        .devdata/edge.log, .devdata/agent-agent-0.log

label an issue (sends a signed issues.labeled webhook):
  npm run simulate -- label run:dev --issue 7
look at the cluster:
  kubectl --kubeconfig .devdata/kubeconfig.yaml get ns,jobs,pods -A
Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log('\nstageline: stopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
