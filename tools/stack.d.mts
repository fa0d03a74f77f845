// Types for tools/stack.mjs (plain JS so Node runs it without a build step).
import type { ChildProcess } from 'node:child_process';
import type { FakeGitHub } from '@stageline/github-fake';
import type { FakeTelegram } from '@stageline/telegram-fake';
export const ROOT: string;
/** The demo GitHub App and installation seeded into the fake; `sender` may trigger runs (write); issues #1…#`issues` exist. */
export const DEMO_GITHUB: { appId: number; appSlug: string; installationId: number; sender: string; issues: number };
export const DEMO_STAFF: { login: string; name: string; role: 'admin' | 'read_write' | 'read' | null }[];
export interface Stack {
  edgeUrl: string;
  /** How the edge is served: `wrangler dev` (default) or tools/serve-edge.mjs (one workerd through Miniflare). */
  edgeRunner: 'wrangler' | 'miniflare';
  /** The V8 inspector port: wrangler's inspector proxy, or workerd's own under `miniflare`. */
  edgeInspectorPort: number;
  /** `miniflare` only: a socket straight into the Worker, past Miniflare's entry worker and the assets router (local-only layers). */
  edgeDirectUrl: string | null;
  /** `stopServer`/`startServer`: a database outage and recovery (same port, same data). */
  db: { kind: string; url: string; wsProxy: string; proxyPid: number | null; connections(): number; stopServer(): Promise<void>; startServer(): Promise<void> };
  kube: { url: string; kubeconfig(): string };
  /** The fake GitHub the edge's App talks to (in-process: seed, read threads, `violations()`). */
  github: FakeGitHub;
  /** What the edge was configured with (the private key as PKCS#1 PEM). */
  githubApp: typeof DEMO_GITHUB & { privateKeyPem: string };
  kubeconfig: string;
  clusterId: string;
  clusterToken: string;
  webhookSecret: string;
  repo: { fullName: string; externalId: number };
  stateDir: string;
  agents: ChildProcess[];
  startAgent(name: string): ChildProcess;
  stopGroup(child: ChildProcess, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
  restartEdge(): Promise<void>;
  runTokenKey: string;
  dataKey: string;
  secretSyncKey: string;
  telegram: FakeTelegram;
}
export function startStack(opts: Record<string, unknown>): Promise<Stack>;
export function buildConsole(logFile: string): Promise<void>;
export const QUIET_ENV: Record<string, string>;
