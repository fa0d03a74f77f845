import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

/** Our own status comments carry this marker; the agent reads the people's comments. */
const STAGELINE_MARKER = '<!-- stageline:';

/** `issue_comments_read`: the issue's comments (newest last), without Stageline's own status comments. */
export function registerIssueCommentsRead(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'issue_comments_read',
    { description: "Read the issue's comments, oldest first, without Stageline's status comments.", inputSchema: { limit: z.number().int().min(1).max(100).optional() } },
    async ({ limit }) => {
      const issue = deps.spec.issue;
      if (issue === null || deps.repo === null || deps.github === undefined) {
        return toolError('this run has no issue on GitHub');
      }
      const res = await deps.github.listIssueComments({ ...deps.repo, number: issue.number }, { maxPages: 3 });
      if (!res.ok) {
        deps.log.warn('issue comments not read', { runId: deps.run.id, kind: res.error.kind });
        return toolError('GitHub did not answer; try again later');
      }
      const comments = res.value.filter((cm) => !(cm.body ?? '').includes(STAGELINE_MARKER)).slice(-(limit ?? 50));
      return toolResult({ issue: issue.number, comments: comments.map((cm) => ({ id: cm.id, body: cm.body ?? '', updated_at: cm.updated_at, url: cm.html_url })) });
    },
  );
}
