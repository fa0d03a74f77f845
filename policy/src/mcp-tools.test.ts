import { describe, expect, it } from 'vitest';
import { mcpToolsFor } from './mcp-tools.ts';
import { runToolScope } from './run-tools.ts';

describe('mcpToolsFor', () => {
  it('offers nothing for an empty scope', () => {
    expect(mcpToolsFor([])).toEqual([]);
  });

  it('offers the read tools for get-run only', () => {
    expect(mcpToolsFor(['get-run'])).toEqual(['run_context', 'issue_comments_read', 'pull_request_get']);
  });

  it('offers a dev run the base tools plus secret_sync and approval_status', () => {
    expect(mcpToolsFor(runToolScope({ triggerKind: 'dev', agentKey: 'dev' }))).toEqual([
      'run_context',
      'issue_comments_read',
      'pull_request_get',
      'run_status_report',
      'labels_transition',
      'secret_sync',
      'database_lifecycle',
      'approval_status',
      'user_notify',
      'user_decision_request',
    ]);
  });

  it('keeps the control tools from a stage without them (qa)', () => {
    expect(mcpToolsFor(runToolScope({ triggerKind: 'qa', agentKey: 'qa' }))).not.toContain('secret_sync');
  });
});
