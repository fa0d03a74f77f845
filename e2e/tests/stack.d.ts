// Types for the plain-JS harness in tools/ (Node runs it without a build step).
declare module '../../tools/stack.mjs' {
  import type { ChildProcess } from 'node:child_process';
  export const ROOT: string;
  export interface Stack {
    edgeUrl: string;
    db: { kind: string; url: string; wsProxy: string };
    kube: { url: string; kubeconfig(): string };
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
  }
  export function startStack(opts: Record<string, unknown>): Promise<Stack>;
}
declare module '../../tools/webhook.mjs' {
  export function labeledPayload(o: { label?: string; issue?: number; repoId: number; repoFullName: string; senderType?: string }): Record<string, unknown>;
  export function sendWebhook(o: { edgeUrl: string; secret: string; event?: string; payload: unknown; delivery?: string }): Promise<{ status: number; body: unknown; delivery: string }>;
}
