/**
 * Who must decide a control action (docs/domain.md §6.4): an approval matrix
 * as data, (agent role × run label × tool/action) → mode. The shipped rows
 * are the defaults; a project's overrides are rows of the same shape placed
 * before them. The most specific matching row wins (a named tool, action,
 * label and role each count), and between equally specific rows a project's
 * row beats a default and an earlier row beats a later one. A runtime that is
 * not `full-env` always needs the owner, whatever the rows say, unless a row
 * denies it.
 *
 * Modes name who may decide, not how:
 * - `none`: no one; the action is applied at once and recorded as applied;
 * - `owner`: a project admin (or a platform admin), in the console or on Telegram;
 * - `delegated`: also a project `read_write` member in the console and any
 *   HTTP approver registered for the project;
 * - `deny`: no one; the call fails with `permission_denied`.
 */

export const APPROVAL_MODES = ['none', 'owner', 'delegated', 'deny'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** The control tools and their actions, by the names the agent sees. */
export const CONTROL_ACTIONS = {
  secret_sync: ['apply'],
  database_lifecycle: ['create', 'delete', 'describe'],
  labels_transition: ['set_run_label'],
} as const;
export type ControlTool = keyof typeof CONTROL_ACTIONS;

export interface ApprovalRow {
  /** `*`: any role. */
  agentKey: string;
  /** A run label such as `run:dev:revise`, or `*`. */
  runLabel: string;
  tool: ControlTool | '*';
  /** `*`: any action of the tool. */
  action: string;
  mode: ApprovalMode;
}

const row = (agentKey: string, runLabel: string, tool: ControlTool | '*', action: string, mode: ApprovalMode): ApprovalRow => ({ agentKey, runLabel, tool, action, mode });

const REVISE_SELF = ['run:dev:revise', 'run:self-improve', 'run:self-improve:revise'];
const OPS = ['run:ops', 'run:ops:revise', 'run:ai-repair'];

/** The shipped matrix (docs/domain.md §6.4). Reads are free; a `run:*` label the agent sets always needs the owner. */
export const DEFAULT_APPROVAL_MATRIX: readonly ApprovalRow[] = Object.freeze([
  row('*', '*', 'database_lifecycle', 'describe', 'none'),
  row('*', '*', 'labels_transition', 'set_run_label', 'owner'),
  ...REVISE_SELF.map((l) => row('*', l, 'secret_sync', '*', 'delegated')),
  ...OPS.flatMap((l) => [row('sre', l, 'secret_sync', '*', 'delegated'), row('sre', l, 'database_lifecycle', '*', 'delegated'), row('dev', l, 'database_lifecycle', '*', 'delegated')]),
  row('*', '*', '*', '*', 'owner'),
]);

export interface ApprovalQuery {
  agentKey: string;
  runLabel: string;
  tool: ControlTool;
  action: string;
  runtimeMode: string;
}

function matches(r: ApprovalRow, q: ApprovalQuery): boolean {
  return (r.agentKey === '*' || r.agentKey === q.agentKey) && (r.runLabel === '*' || r.runLabel === q.runLabel) && (r.tool === '*' || r.tool === q.tool) && (r.action === '*' || r.action === q.action);
}

function specificity(r: ApprovalRow): number {
  // A named tool outranks a named action, then label, then role: "what" is more telling than "who".
  return (r.tool === '*' ? 0 : 8) + (r.action === '*' ? 0 : 4) + (r.runLabel === '*' ? 0 : 2) + (r.agentKey === '*' ? 0 : 1);
}

/**
 * @example approvalMode({ agentKey: 'dev', runLabel: 'run:dev:revise', tool: 'secret_sync', action: 'apply', runtimeMode: 'full-env' }) === 'delegated'
 */
export function approvalMode(query: ApprovalQuery, overrides: readonly ApprovalRow[] = [], defaults: readonly ApprovalRow[] = DEFAULT_APPROVAL_MATRIX): ApprovalMode {
  let best: { row: ApprovalRow; rank: number } | null = null;
  const rows = [...overrides.map((r) => ({ r, own: 1 })), ...defaults.map((r) => ({ r, own: 0 }))];
  for (const { r, own } of rows) {
    if (!matches(r, query)) {
      continue;
    }
    const rank = specificity(r) * 2 + own;
    if (best === null || rank > best.rank) {
      best = { row: r, rank };
    }
  }
  const mode = best?.row.mode ?? 'owner';
  if (mode === 'deny') {
    return 'deny';
  }
  // Outside a full environment the action touches what the owner runs: only the owner decides.
  return query.runtimeMode !== 'full-env' && mode !== 'none' ? 'owner' : mode;
}

/**
 * A project's override rows as stored (JSON), checked field by field.
 * @example parseApprovalOverrides([{ tool: 'secret_sync', mode: 'deny' }]).value[0].agentKey === '*'
 */
export function parseApprovalOverrides(raw: unknown): { value: ApprovalRow[]; errors: string[] } {
  if (raw === null || raw === undefined) {
    return { value: [], errors: [] };
  }
  if (!Array.isArray(raw)) {
    return { value: [], errors: ['approval overrides must be a list'] };
  }
  const value: ApprovalRow[] = [];
  const errors: string[] = [];
  raw.forEach((item: unknown, i) => {
    const r = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const tool = r['tool'] ?? '*';
    const action = r['action'] ?? '*';
    const mode = r['mode'];
    const str = (v: unknown) => (v === undefined ? '*' : typeof v === 'string' && v !== '' ? v : null);
    const agentKey = str(r['agent_key']);
    const runLabel = str(r['run_label']);
    if (tool !== '*' && !(typeof tool === 'string' && tool in CONTROL_ACTIONS)) {
      errors.push(`row ${i}: unknown tool`);
    } else if (action !== '*' && (tool === '*' || !(CONTROL_ACTIONS[tool as ControlTool] as readonly string[]).includes(String(action)))) {
      errors.push(`row ${i}: unknown action`);
    } else if (!APPROVAL_MODES.includes(mode as ApprovalMode)) {
      errors.push(`row ${i}: mode must be one of ${APPROVAL_MODES.join(', ')}`);
    } else if (agentKey === null || runLabel === null) {
      errors.push(`row ${i}: agent_key and run_label must be non-empty strings`);
    } else {
      value.push(row(agentKey, runLabel, tool as ControlTool | '*', String(action), mode as ApprovalMode));
    }
  });
  return { value, errors };
}

/** Which deciders a mode admits (docs/domain.md §6.4). */
export type DeciderRole = 'platform_admin' | 'admin' | 'read_write' | 'read' | 'http_approver';

export function mayDecide(mode: ApprovalMode, role: DeciderRole): boolean {
  if (mode === 'none' || mode === 'deny') {
    return false;
  }
  if (role === 'platform_admin' || role === 'admin') {
    return true;
  }
  return mode === 'delegated' && (role === 'read_write' || role === 'http_approver');
}
