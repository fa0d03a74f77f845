import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPROVAL_MODES, approvalMode, CONTROL_ACTIONS, DEFAULT_APPROVAL_MATRIX, mayDecide, parseApprovalOverrides, type ApprovalMode, type ApprovalRow, type ControlTool, type DeciderRole } from './approval-matrix.ts';

const q = (agentKey: string, runLabel: string, tool: ControlTool, action: string, runtimeMode = 'full-env') => ({ agentKey, runLabel, tool, action, runtimeMode });

describe('the shipped approval matrix (docs/domain.md §6.4), row by row', () => {
  it.each([
    // [role, label, tool, action, runtime, mode]
    ['dev', 'run:dev', 'secret_sync', 'apply', 'full-env', 'owner'],
    ['dev', 'run:dev:revise', 'secret_sync', 'apply', 'full-env', 'delegated'],
    ['km', 'run:self-improve', 'secret_sync', 'apply', 'full-env', 'delegated'],
    ['km', 'run:self-improve:revise', 'secret_sync', 'apply', 'full-env', 'delegated'],
    ['dev', 'run:dev:revise', 'database_lifecycle', 'create', 'full-env', 'owner'],
    ['sre', 'run:ops', 'secret_sync', 'apply', 'full-env', 'delegated'],
    ['sre', 'run:ops:revise', 'database_lifecycle', 'delete', 'full-env', 'delegated'],
    ['sre', 'run:ai-repair', 'database_lifecycle', 'create', 'full-env', 'delegated'],
    ['dev', 'run:ops', 'secret_sync', 'apply', 'full-env', 'owner'],
    ['dev', 'run:ops', 'database_lifecycle', 'create', 'full-env', 'delegated'],
    ['qa', 'run:qa', 'database_lifecycle', 'create', 'full-env', 'owner'],
    ['dev', 'run:dev', 'database_lifecycle', 'describe', 'full-env', 'none'],
    ['dev', 'run:dev', 'database_lifecycle', 'describe', 'code-only', 'none'],
    ['dev', 'run:dev', 'labels_transition', 'set_run_label', 'full-env', 'owner'],
    ['sre', 'run:ops', 'labels_transition', 'set_run_label', 'full-env', 'owner'],
    // Outside a full environment only the owner decides.
    ['dev', 'run:dev:revise', 'secret_sync', 'apply', 'code-only', 'owner'],
    ['sre', 'run:ops', 'database_lifecycle', 'create', 'code-only', 'owner'],
  ] as const)('%s on %s: %s %s in %s → %s', (role, label, tool, action, runtime, mode) => {
    expect(approvalMode(q(role, label, tool, action, runtime))).toBe(mode);
  });
});

describe('project overrides', () => {
  it('a project row beats the default of the same specificity, and a more specific default beats a vaguer project row', () => {
    const deny: ApprovalRow[] = [{ agentKey: '*', runLabel: '*', tool: 'secret_sync', action: '*', mode: 'deny' }];
    expect(approvalMode(q('dev', 'run:dev', 'secret_sync', 'apply'), deny)).toBe('deny');
    // The default row for run:dev:revise names a label: more specific than the project's tool-only row.
    expect(approvalMode(q('dev', 'run:dev:revise', 'secret_sync', 'apply'), deny)).toBe('delegated');
    const free: ApprovalRow[] = [{ agentKey: 'dev', runLabel: 'run:dev', tool: 'secret_sync', action: 'apply', mode: 'none' }];
    expect(approvalMode(q('dev', 'run:dev', 'secret_sync', 'apply'), free)).toBe('none');
    expect(approvalMode(q('qa', 'run:dev', 'secret_sync', 'apply'), free)).toBe('owner');
  });

  it('parses stored rows field by field and names each bad row', () => {
    expect(parseApprovalOverrides([{ tool: 'secret_sync', mode: 'deny' }, { agent_key: 'sre', run_label: 'run:ops', tool: 'database_lifecycle', action: 'delete', mode: 'owner' }])).toEqual({
      value: [
        { agentKey: '*', runLabel: '*', tool: 'secret_sync', action: '*', mode: 'deny' },
        { agentKey: 'sre', runLabel: 'run:ops', tool: 'database_lifecycle', action: 'delete', mode: 'owner' },
      ],
      errors: [],
    });
    expect(parseApprovalOverrides([{ tool: 'rm_rf', mode: 'none' }, { tool: 'secret_sync', action: 'delete', mode: 'none' }, { mode: 'maybe' }, { agent_key: '', mode: 'owner' }, 7]).errors).toEqual([
      'row 0: unknown tool',
      'row 1: unknown action',
      'row 2: mode must be one of none, owner, delegated, deny',
      'row 3: agent_key and run_label must be non-empty strings',
      'row 4: mode must be one of none, owner, delegated, deny',
    ]);
    expect(parseApprovalOverrides({}).errors).toEqual(['approval overrides must be a list']);
    expect(parseApprovalOverrides(null)).toEqual({ value: [], errors: [] });
  });
});

describe('precedence, for any rows', () => {
  const tools = Object.keys(CONTROL_ACTIONS) as ControlTool[];
  const arbQuery = fc.record({
    agentKey: fc.constantFrom('dev', 'sre', 'qa', 'km'),
    runLabel: fc.constantFrom('run:dev', 'run:dev:revise', 'run:ops', 'run:qa', 'run:self-improve'),
    tool: fc.constantFrom(...tools),
    runtimeMode: fc.constantFrom('full-env', 'code-only'),
  }).chain((r) => fc.constantFrom(...CONTROL_ACTIONS[r.tool]).map((action) => ({ ...r, action: action as string })));
  const arbRow = (query: { agentKey: string; runLabel: string; tool: ControlTool; action: string }) =>
    fc.record({
      agentKey: fc.constantFrom('*', query.agentKey, 'other'),
      runLabel: fc.constantFrom('*', query.runLabel, 'run:other'),
      tool: fc.constantFrom<ControlTool | '*'>('*', query.tool),
      action: fc.constantFrom('*', query.action),
      mode: fc.constantFrom<ApprovalMode>(...APPROVAL_MODES),
    });

  it('an exact project row always decides (deny and none included), except that a non-full runtime turns approvals into owner', () => {
    fc.assert(
      fc.property(arbQuery.chain((query) => fc.tuple(fc.constant(query), fc.array(arbRow(query), { maxLength: 6 }), fc.constantFrom<ApprovalMode>(...APPROVAL_MODES))), ([query, noise, mode]) => {
        const exact: ApprovalRow = { agentKey: query.agentKey, runLabel: query.runLabel, tool: query.tool, action: query.action, mode };
        const got = approvalMode(query, [exact, ...noise]);
        const expected = mode === 'deny' || mode === 'none' || query.runtimeMode === 'full-env' ? mode : 'owner';
        expect(got).toBe(expected);
      }),
    );
  });

  it('adding rows that do not match changes nothing; a catch-all project row never overrides a default that names the tool', () => {
    fc.assert(
      fc.property(arbQuery, fc.array(fc.record({ agentKey: fc.constant('nobody'), runLabel: fc.constant('*'), tool: fc.constant<'*'>('*'), action: fc.constant('*'), mode: fc.constantFrom<ApprovalMode>(...APPROVAL_MODES) }), { maxLength: 4 }), (query, rows) => {
        expect(approvalMode(query, rows)).toBe(approvalMode(query));
        const loose: ApprovalRow = { agentKey: '*', runLabel: '*', tool: '*', action: '*', mode: 'delegated' };
        const namedDefault = DEFAULT_APPROVAL_MATRIX.some(
          (r) => r.tool === query.tool && (r.action === '*' || r.action === query.action) && (r.runLabel === '*' || r.runLabel === query.runLabel) && (r.agentKey === '*' || r.agentKey === query.agentKey),
        );
        if (namedDefault) {
          expect(approvalMode(query, [loose])).toBe(approvalMode(query));
        }
      }),
    );
  });

  it('always returns a mode', () => {
    fc.assert(
      fc.property(arbQuery, (query) => {
        expect(APPROVAL_MODES).toContain(approvalMode(query));
      }),
    );
  });
});

describe('who may decide', () => {
  it.each([
    ['owner', 'platform_admin', true],
    ['owner', 'admin', true],
    ['owner', 'read_write', false],
    ['owner', 'http_approver', false],
    ['owner', 'read', false],
    ['delegated', 'admin', true],
    ['delegated', 'read_write', true],
    ['delegated', 'http_approver', true],
    ['delegated', 'read', false],
    ['none', 'platform_admin', false],
    ['deny', 'platform_admin', false],
  ] as const)('%s: %s → %s', (mode, role, allowed) => {
    expect(mayDecide(mode as ApprovalMode, role as DeciderRole)).toBe(allowed);
  });
});
