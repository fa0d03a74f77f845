/**
 * The HTTP front door. Model requests (`/v1/responses`, `/v1/messages`) are
 * recorded, read into a provider-neutral turn, answered by the script (or, for
 * side requests that offer no tools, by a short text) and written back in the
 * provider's format. Everything else is a probe or a 404; nothing here changes
 * which step the script plays, since that is read from each request.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { messagesError, messagesJson, messagesStream, readMessagesRequest } from './anthropic-messages.ts';
import { estimateTokens, isRecord } from './conversation-text.ts';
import { readBody, sendJson, sendText, startEventStream } from './http-io.ts';
import { readResponsesRequest, responsesError, responsesJson, responsesStream } from './openai-responses.ts';
import type { RecordedRequest, RequestLog } from './request-log.ts';
import type { Provider, Reply, Script, StepsReply } from './script.ts';
import { textReply } from './script.ts';
import { formatSse, malformedSse } from './sse.ts';

export interface ServerDeps {
  log: RequestLog;
  script: () => Script;
  /** The text side requests get. */
  sideReply: string;
}

type Route = { kind: 'turn'; provider: Provider } | { kind: 'count_tokens' } | { kind: 'probe' } | { kind: 'requests' } | { kind: 'not_found' };

/** codex appends `/responses` to its base_url (`<url>/v1`); Claude Code appends `/v1/messages` to ANTHROPIC_BASE_URL. */
function routeOf(method: string, pathname: string): Route {
  if (method === 'POST' && (pathname === '/v1/responses' || pathname === '/responses')) {
    return { kind: 'turn', provider: 'openai' };
  }
  if (method === 'POST' && pathname === '/v1/messages') {
    return { kind: 'turn', provider: 'anthropic' };
  }
  if (method === 'POST' && pathname === '/v1/messages/count_tokens') {
    return { kind: 'count_tokens' };
  }
  if ((method === 'GET' || method === 'HEAD') && pathname === '/') {
    return { kind: 'probe' };
  }
  if (method === 'GET' && pathname === '/_fake/requests') {
    return { kind: 'requests' };
  }
  return { kind: 'not_found' };
}

function errorBody(provider: Provider, status: number, message: string): Record<string, unknown> {
  return provider === 'openai' ? responsesError(status, message) : messagesError(status, message);
}

/** Neither SDK minds the other's fields, so an unknown path answers in both shapes at once. */
function notFoundBody(method: string, pathname: string): Record<string, unknown> {
  return { type: 'error', error: { type: 'not_found_error', message: `model-fake: no route for ${method} ${pathname}` } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Rendering {
  provider: Provider;
  body: Record<string, unknown>;
  reply: StepsReply;
  step: number;
  inputTokens: number;
  seq: number;
}

function writeSteps(res: ServerResponse, r: Rendering): void {
  if (r.reply.items.length === 0) {
    throw new Error('the script replied with no items');
  }
  const createdAt = Math.floor(Date.now() / 1000);
  const common = { body: r.body, items: r.reply.items, step: r.step, inputTokens: r.inputTokens };
  const openai = { ...common, responseId: `resp_fake_${r.seq}`, createdAt };
  const anthropic = { ...common, messageId: `msg_fake_${r.seq}` };
  if (r.body.stream !== true) {
    sendJson(res, 200, r.provider === 'openai' ? responsesJson(openai) : messagesJson(anthropic));
    return;
  }
  const events = r.provider === 'openai' ? responsesStream(openai) : messagesStream(anthropic);
  startEventStream(res);
  for (const event of events) {
    res.write(formatSse(event));
  }
  res.end();
}

function writeFault(res: ServerResponse, provider: Provider, reply: Exclude<Reply, StepsReply>): void {
  switch (reply.kind) {
    case 'http_error': {
      const text = reply.body ?? JSON.stringify(errorBody(provider, reply.status, `model-fake: scripted HTTP ${reply.status}`));
      const type = parseJson(text) === undefined ? 'text/plain; charset=utf-8' : 'application/json';
      sendText(res, reply.status, text, { ...reply.headers, 'content-type': type });
      return;
    }
    case 'malformed_sse':
      startEventStream(res);
      res.end(malformedSse(provider === 'openai' ? 'response.created' : 'message_start'));
      return;
    case 'hang':
      // Left open on purpose: the client's abort or close() (which drops every connection) ends it.
      startEventStream(res);
      return;
  }
}

export function createRequestListener(deps: ServerDeps): RequestListener {
  let seq = 0;

  async function turn(res: ServerResponse, provider: Provider, entry: RecordedRequest, body: Record<string, unknown>, text: string): Promise<void> {
    const reading = provider === 'openai' ? readResponsesRequest(body) : readMessagesRequest(body);
    entry.step = reading.step;
    seq += 1;
    const rendering = { provider, body, step: reading.step, inputTokens: estimateTokens(text), seq };
    if (!reading.hasTools) {
      entry.purpose = 'side';
      entry.answer = 'side';
      writeSteps(res, { ...rendering, reply: textReply(deps.sideReply) });
      return;
    }
    let reply: Reply;
    try {
      reply = await deps.script()({ provider, body, step: reading.step, outputs: reading.outputs, firstUserText: reading.firstUserText });
    } catch (err) {
      entry.answer = `script_error: ${describeError(err)}`;
      sendJson(res, 500, errorBody(provider, 500, `model-fake: the script failed: ${describeError(err)}`));
      return;
    }
    entry.answer = reply.kind;
    if (reply.kind === 'steps') {
      writeSteps(res, { ...rendering, reply });
    } else {
      writeFault(res, provider, reply);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://model-fake');
    const route = routeOf(method, url.pathname);
    if (route.kind === 'requests') {
      sendJson(res, 200, deps.log.entries);
      return;
    }
    let text: string;
    try {
      text = await readBody(req);
    } catch (err) {
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: `model-fake: unreadable body: ${describeError(err)}` } });
      return;
    }
    const parsed = text === '' ? null : parseJson(text);
    const provider = route.kind === 'turn' ? route.provider : route.kind === 'count_tokens' ? 'anthropic' : null;
    const entry: RecordedRequest = {
      method,
      path: req.url ?? '/',
      provider,
      purpose: route.kind === 'turn' ? 'turn' : route.kind === 'count_tokens' ? 'side' : 'other',
      body: parsed ?? null,
      time: Date.now(),
      doneAt: null,
      step: null,
      answer: 'pending',
    };
    deps.log.add(entry);
    res.once('finish', () => {
      entry.doneAt = Date.now();
    });
    if (route.kind === 'probe') {
      entry.answer = 'probe';
      sendJson(res, 200, { ok: true, service: 'model-fake' });
      return;
    }
    if (route.kind === 'not_found') {
      entry.answer = 'not_found';
      sendJson(res, 404, notFoundBody(method, url.pathname));
      return;
    }
    if (provider === null || !isRecord(parsed)) {
      entry.answer = 'invalid_json';
      sendJson(res, 400, errorBody(provider ?? 'anthropic', 400, 'model-fake: the body is not a JSON object'));
      return;
    }
    if (route.kind === 'count_tokens') {
      entry.answer = 'side';
      sendJson(res, 200, { input_tokens: estimateTokens(text) });
      return;
    }
    await turn(res, provider, entry, parsed, text);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A reply already under way cannot become an error reply; cutting it off is the honest signal.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: `model-fake: ${describeError(err)}` } });
    });
  };
}
