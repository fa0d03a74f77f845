import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { withRunToken, type RunnerEnv } from '../auth/run-token-middleware.ts';
import { buildRunnerSpec } from '../domain/runner-spec.ts';
import { readGitHubAppSettings } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { createMcpServer } from '../mcp/server.ts';
import { repoOfRun } from '../domain/run-repository.ts';

/** A JSON-RPC message is small; tool arguments are capped again per field by each tool's schema. */
export const MAX_MCP_BODY = 64 * 1024;

/**
 * `/mcp`: Streamable HTTP in stateless mode (no session id, JSON answers),
 * authenticated by the run token on every request. No OAuth metadata is
 * published here: a client that finds none uses the static bearer it was
 * given. GET (a server-sent stream) and DELETE (a session) have no meaning
 * without sessions and answer 405.
 */
export const mcpRoute = new Hono<RunnerEnv>()
  .use('/mcp', withRunToken({ spec: true }))
  .on(['GET', 'DELETE'], '/mcp', (c) => c.json(errorBody('invalid_argument', 'this MCP server is stateless: POST only'), 405, { Allow: 'POST' }))
  .post('/mcp', async (c) => {
    const declared = Number(c.req.header('content-length') ?? '0');
    const raw = declared > MAX_MCP_BODY ? null : await c.req.arrayBuffer();
    if (raw === null || raw.byteLength > MAX_MCP_BODY) {
      return c.json(errorBody('payload_too_large', `MCP messages are limited to ${MAX_MCP_BODY} bytes`), 413);
    }
    // Read by the token check itself (one round trip per request).
    const row = c.var.runSpec ?? null;
    const spec = row === null ? null : buildRunnerSpec(row, c.var.run, { apiUrl: readGitHubAppSettings(c.env).apiUrl, edgeUrl: new URL(c.req.url).origin });
    if (row === null || spec === null) {
      return c.json(errorBody('failed_precondition', 'the run payload does not fit the run contract'), 409);
    }
    const { root } = c.var;
    const server = createMcpServer({
      db: c.var.db,
      run: { id: row.id, correlationId: row.correlationId, attemptNo: c.var.run.attemptNo, scope: c.var.run.scope },
      row,
      spec,
      repo: repoOfRun(row),
      github: root.githubApp()?.client,
      consoleUrl: root.settings.consoleUrl,
      keys: { secretSyncKey: root.settings.secretSyncKey },
      databaseEnvironments: root.settings.databaseEnvironments,
      approvals: { dataKey: root.settings.dataKey, ttlSeconds: root.settings.approvalTtlSeconds, consoleUrl: root.settings.consoleUrl },
      emit: (effects) => {
        if (effects.length > 0) {
          c.executionCtx.waitUntil(root.effects.run(effects, c.var.log));
        }
      },
      log: c.var.log,
      now: () => new Date(),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    // The body was read for its size: hand the transport a request with the same bytes.
    const request = new Request(c.req.raw.url, { method: 'POST', headers: c.req.raw.headers, body: raw });
    return transport.handleRequest(request);
  });
