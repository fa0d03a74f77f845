/**
 * model-fake: a scripted model server speaking the OpenAI Responses API (codex)
 * and the Anthropic Messages API (Claude Code), so the real CLIs run
 * deterministically in tests. A script decides each reply from the request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './request-log.ts';
import { createRequestLog } from './request-log.ts';
import type { Script } from './script.ts';
import { createRequestListener } from './server.ts';

/** What a side request (no tools offered: titles, summaries, quota checks) gets. */
export const DEFAULT_SIDE_REPLY = 'OK';

export interface ScriptedModelOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  script: Script;
  /** Default DEFAULT_SIDE_REPLY. */
  sideReply?: string;
}

export interface ScriptedModel {
  /** Base URL, e.g. http://127.0.0.1:PORT: codex's base_url is `${url}/v1`, Claude's ANTHROPIC_BASE_URL is `url`. */
  url: string;
  /** Every request so far, in arrival order (a live array). */
  readonly requests: readonly RecordedRequest[];
  /** Resolves once at least `count` requests have been recorded. */
  waitForRequests(count: number): Promise<void>;
  /** Answers later requests with `script`. */
  setScript(script: Script): void;
  /** Stops listening and drops every connection, hanging streams included. */
  close(): Promise<void>;
}

export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  let script = options.script;
  const log = createRequestLog();
  const server = createServer(createRequestListener({ log, script: () => script, sideReply: options.sideReply ?? DEFAULT_SIDE_REPLY }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    requests: log.entries,
    waitForRequests: (count) => log.waitFor(count),
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export { demoScript, shellQuote } from './demo-script.ts';
export type { DemoScriptOptions } from './demo-script.ts';
export { sequenceScript, steps, stepsConsumed, textReply } from './script.ts';
export type { HangReply, HttpErrorReply, MalformedSseReply, Provider, Reply, ReplyItem, Script, ShellStep, StepsReply, TextStep, ToolOutput, ToolStep, TurnContext } from './script.ts';
export type { RecordedRequest, RequestPurpose } from './request-log.ts';
export { readMessagesRequest } from './anthropic-messages.ts';
export { readResponsesRequest } from './openai-responses.ts';
export type { ConversationReading } from './conversation-text.ts';
