// `npm start`: the whole system on embedded defaults — PGlite (or DATABASE_URL
// is not needed), the fake GitHub the edge's App talks to, the edge in workerd
// (tools/serve-edge.mjs), the simulated cluster and one connected cluster-agent. State
// lives in .devdata/ (gitignored); the fake GitHub's threads live in memory.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoScript, startScriptedModel } from '@stageline/model-fake';
import { DEMO_GITHUB, DEMO_STAFF, ROOT, startStack } from './stack.mjs';

const stateDir = path.join(ROOT, '.devdata');
const settingsFile = path.join(stateDir, 'dev.json');
// Keep the cluster token and webhook secret across restarts so the simulator keeps working.
const saved = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};

let stack = null;
let model = null;
let stopping = false;
const shutdown = async () => {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log('\nstageline: stopping…');
  // Before the stack is up there is nothing to stop in order: exiting signals
  // every child process group already started (tools/stack.mjs).
  await stack?.stop();
  await model?.close();
  process.exit(0);
};
// Installed before start-up, so Ctrl-C while wrangler is still starting cleans up too.
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const started = Date.now();
// The edge runs in one workerd through Miniflare (tools/serve-edge.mjs), rebuilt on source edits;
// STAGELINE_EDGE_RUNNER=wrangler runs it under `wrangler dev` instead.
const edgeRunner = process.env.STAGELINE_EDGE_RUNNER === 'wrangler' ? 'wrangler' : 'miniflare';
console.log(`stageline: starting embedded Postgres, fake GitHub, edge (${edgeRunner === 'wrangler' ? 'wrangler dev' : 'workerd via Miniflare'}), simulated cluster and cluster-agent…`);
// The runner in each Job drives a real agent CLI: codex with OPENAI_API_KEY, Claude Code
// with ANTHROPIC_API_KEY (the key goes into each run's Secret); with neither, codex against
// the scripted model server (model-fake/): a simulation whose script reads the run context,
// reports a line and appends to CHANGELOG.md, so a label still ends in a real branch and PR.
const providerKey = process.env.OPENAI_API_KEY || process.env.ANTHROPIC_API_KEY || '';
const engine = !process.env.OPENAI_API_KEY && process.env.ANTHROPIC_API_KEY ? 'claude' : 'codex';
if (providerKey === '') {
  model = await startScriptedModel({ script: demoScript() });
}
stack = await startStack({
  jobRunner: 'agent',
  jobEnv: { STAGELINE_RUNNER_ENGINE: engine, ...(model === null ? {} : { STAGELINE_MODEL_BASE_URL: `${model.url}/v1` }) },
  agentEnv: providerKey === '' ? {} : { STAGELINE_MODEL_API_KEY: providerKey },
  stateDir,
  edgeRunner,
  edgeWatch: true,
  persist: true,
  dbKind: 'pglite',
  edgePort: Number(process.env.STAGELINE_EDGE_PORT ?? 8787),
  pgPort: 15432,
  proxyPort: 18433,
  kubePort: Number(process.env.STAGELINE_KUBE_PORT ?? 16443),
  githubPort: Number(process.env.STAGELINE_GITHUB_PORT ?? 18434),
  clusterToken: saved.clusterToken,
  webhookSecret: saved.webhookSecret,
  runTokenKey: saved.runTokenKey,
});
// The demo repository: a small project with a test, for the agent to change.
await stack.github.seedRepositoryContent({
  repo: stack.repo.fullName,
  files: {
    'README.md': '# demo app\n\nA tiny project for Stageline runs. `node test/greeting.test.js` runs its test.\n',
    'CHANGELOG.md': '# Changelog\n\n',
    'AGENTS.md': 'Keep changes small and run `node test/greeting.test.js` before you finish.\n',
    'src/greeting.js': 'export const greeting = (name) => `hello, ${name}`;\n',
    'test/greeting.test.js': 'import assert from "node:assert";\nimport { greeting } from "../src/greeting.js";\nassert.equal(greeting("stageline"), "hello, stageline");\nconsole.log("ok");\n',
  },
});
writeFileSync(
  settingsFile,
  JSON.stringify({ edgeUrl: stack.edgeUrl, clusterToken: stack.clusterToken, webhookSecret: stack.webhookSecret, runTokenKey: stack.runTokenKey, repo: stack.repo, kubeconfig: stack.kubeconfig, githubUrl: stack.github.url, telegramUrl: stack.telegram.url }, null, 2),
);

console.log(`
stageline is up in ${((Date.now() - started) / 1000).toFixed(1)} s
  console     ${stack.edgeUrl}/  (sign in with the fake GitHub as ${DEMO_STAFF.map((s) => `${s.login} (${s.role ?? 'platform admin'})`).join(', ')})
  database    ${stack.db.url}  (PGlite, data in .devdata/pglite)
  kubernetes  ${stack.kube.url}  (simulated; kubeconfig .devdata/kubeconfig.yaml)
  github      ${stack.github.url}  (fake; App ${DEMO_GITHUB.appSlug} on ${stack.repo.fullName}, installation ${DEMO_GITHUB.installationId}; ${DEMO_GITHUB.sender} has write)
  agent       ${engine} (real CLI) in each Job; model: ${model === null ? (engine === 'claude' ? 'Anthropic (ANTHROPIC_API_KEY)' : 'OpenAI (OPENAI_API_KEY)') : `SIMULATION — scripted model server at ${model.url}, set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one`}
  logs        .devdata/edge.log, .devdata/agent-agent-0.log

label an issue (sends a signed issues.labeled webhook from ${DEMO_GITHUB.sender}):
  npm run simulate -- label run:dev --issue 7
see what the edge wrote on the issue (status comment, reactions, labels):
  npm run simulate -- comments --issue 7
see the pull request the run opened:
  npm run simulate -- pulls
approvals and questions on (fake) Telegram, as octocat:
  npm run simulate -- telegram link
  npm run simulate -- telegram messages
  npm run simulate -- telegram press <message id> <button text>
  npm run simulate -- telegram reply <message id> <text>
look at the cluster:
  kubectl --kubeconfig .devdata/kubeconfig.yaml get ns,jobs,pods -A
Ctrl-C stops everything.`);

