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

  it('offers the five tools to a dev run', () => {
    expect(mcpToolsFor(runToolScope({ triggerKind: 'dev', agentKey: 'dev' }))).toEqual([
      'run_context',
      'issue_comments_read',
      'pull_request_get',
      'run_status_report',
      'labels_transition',
    ]);
  });
});
