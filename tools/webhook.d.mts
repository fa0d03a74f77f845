// Types for tools/webhook.mjs.
export function labeledPayload(o: {
  label?: string;
  issue?: number;
  repoId: number;
  repoFullName: string;
  senderType?: string;
  senderLogin?: string;
  installationId?: number;
  otherLabels?: string[];
  title?: string;
  body?: string;
}): Record<string, unknown>;
export function sendWebhook(o: { edgeUrl: string; secret: string; event?: string; payload: unknown; delivery?: string }): Promise<{ status: number; body: unknown; delivery: string }>;
