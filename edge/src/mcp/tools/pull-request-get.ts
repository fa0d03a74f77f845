import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

/** `pull_request_get`: the run's pull request (the one it opened, or the one it was started from). */
export function registerPullRequestGet(server: McpServer, deps: ToolDeps): void {
  server.registerTool('pull_request_get', { description: "The run's pull request: number, state, title, body, head and base.", inputSchema: {} }, async () => {
    const number = deps.row.pullRequestNumber ?? deps.spec.pull_request?.number ?? null;
    if (number === null || deps.repo === null || deps.github === undefined) {
      return toolResult({ pull_request: null });
    }
    const res = await deps.github.getPullRequest(deps.repo, number);
    if (!res.ok) {
      deps.log.warn('pull request not read', { runId: deps.run.id, kind: res.error.kind });
      return toolError('GitHub did not answer; try again later');
    }
    const pr = res.value;
    return toolResult({ pull_request: { number: pr.number, url: pr.html_url, state: pr.state, draft: pr.draft ?? false, title: pr.title, body: pr.body ?? '', head: pr.head.ref, base: pr.base.ref } });
  });
}
