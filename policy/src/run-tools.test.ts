import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_CATALOG } from './label-catalog.ts';
import { isRunTool, RUN_TOOLS, runToolScope } from './run-tools.ts';

describe('runToolScope', () => {
  it.each([
    ['self_improve', 'km', ['list-runs', 'find-runs', 'get-run-session', 'list-run-events'], ['notify-user', 'request-decision', 'sync-secret']],
    ['self_improve_revise', 'km', ['list-runs', 'list-run-events'], ['request-decision', 'get-approval']],
    ['ops', 'sre', ['sync-secret', 'manage-database', 'request-owner-feedback', 'get-approval', 'notify-user'], ['list-runs']],
    ['ai_repair', 'sre', ['sync-secret', 'get-approval'], ['list-runs']],
    ['ops', 'pm', ['notify-user'], ['sync-secret', 'get-approval', 'list-runs']],
    ['dev', 'dev', ['sync-secret', 'manage-database', 'get-approval', 'request-decision'], ['request-owner-feedback', 'list-runs']],
    ['dev', 'reviewer', ['notify-user'], ['sync-secret', 'manage-database']],
    ['qa', 'qa', ['report-status', 'notify-user', 'request-decision'], ['sync-secret', 'manage-database', 'list-runs', 'get-approval']],
    ['something_new', 'x', ['get-run', 'report-status'], ['sync-secret', 'list-runs']],
  ])('%s / %s gets %j and never %j', (triggerKind, agentKey, has, hasNot) => {
    const scope = runToolScope({ triggerKind, agentKey });
    expect(scope).toEqual(expect.arrayContaining(has));
    for (const tool of hasNot) {
      expect(scope).not.toContain(tool);
    }
  });

  it('gives every run its own spec, the label tools and a status line, in catalog order', () => {
    for (const trigger of DEFAULT_LABEL_CATALOG.triggers) {
      const scope = runToolScope(trigger);
      expect(scope).toEqual(expect.arrayContaining(['get-run', 'list-labels', 'add-labels', 'remove-labels', 'transition-labels', 'report-status']));
      expect(scope).toEqual(RUN_TOOLS.filter((tool) => scope.includes(tool)));
    }
  });

  it('names only catalog tools', () => {
    expect(isRunTool('report-status')).toBe(true);
    expect(isRunTool('drop-database')).toBe(false);
  });
});
