import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { listIssueRuns } from '../../db/issue-runs-repo.ts';
import { toolResult, type ToolDeps } from '../deps.ts';

/** `run_context`: the run's issue, PR, stage, what it may change, and the issue's earlier runs. */
export function registerRunContext(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'run_context',
    { description: 'The current run: issue, pull request, stage, write scope with allowed paths, branch, and earlier runs on this issue.', inputSchema: {} },
    async () => {
      const { spec, row } = deps;
      const earlier = row.issueNumber === null ? [] : await listIssueRuns(deps.db, { repositoryId: row.repositoryId, issueNumber: row.issueNumber, exceptRunId: row.id, limit: 10 });
      return toolResult({
        run_id: spec.run_id,
        repository: spec.repository.full_name,
        issue: spec.issue,
        pull_request: row.pullRequestNumber === null ? spec.pull_request : { number: row.pullRequestNumber, url: row.pullRequestUrl },
        stage: spec.stage,
        write: { commits: spec.write.commits, allowed_paths: spec.write.allowed_paths, branch: spec.write.branch, base_branch: spec.write.base_branch },
        earlier_runs: earlier,
      });
    },
  );
}
