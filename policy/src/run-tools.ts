/**
 * Which tools a run may call with its run token (docs/domain.md §6.2): a
 * data table keyed by trigger kind and agent role, read when the edge mints
 * the token, so the scope travels inside the token and every use is checked
 * against what the run was given, not against what it asks for. Tool names
 * are the kebab-case verb-noun names of docs/domain.md §6.2. The MCP server
 * will grow the table; unknown runs get the base set.
 */

/** Every tool a run token can name. */
export const RUN_TOOLS = [
  'get-run',
  'list-labels',
  'add-labels',
  'remove-labels',
  'transition-labels',
  'report-status',
  'notify-user',
  'request-decision',
  'sync-secret',
  'manage-database',
  'request-owner-feedback',
  'get-approval',
  'list-runs',
  'find-runs',
  'get-run-session',
  'list-run-events',
] as const;

export type RunTool = (typeof RUN_TOOLS)[number];

const LABELS: readonly RunTool[] = ['list-labels', 'add-labels', 'remove-labels', 'transition-labels'];
/** What every run has: its own spec, the label tools and a status line. */
const BASE: readonly RunTool[] = ['get-run', ...LABELS, 'report-status'];
const PEOPLE: readonly RunTool[] = ['notify-user', 'request-decision'];
const SELF_IMPROVE: readonly RunTool[] = ['list-runs', 'find-runs', 'get-run-session', 'list-run-events'];
/** Privileged changes; each is approval-gated, and `get-approval` reads the outcome. */
const CONTROL: readonly RunTool[] = ['sync-secret', 'manage-database', 'request-owner-feedback', 'get-approval'];

interface ScopeRow {
  triggerKinds: readonly string[];
  /** Empty: any agent role. */
  agentKeys: readonly string[];
  tools: readonly RunTool[];
}

/** First matching row wins; the last row is the default (docs/domain.md §6.2). */
const SCOPE_TABLE: readonly ScopeRow[] = [
  // Self-improve runs read earlier runs; they do not talk to people.
  { triggerKinds: ['self_improve', 'self_improve_revise'], agentKeys: [], tools: [...BASE, ...SELF_IMPROVE] },
  // SRE-type runs see the control tools.
  { triggerKinds: ['ops', 'ops_revise', 'ai_repair'], agentKeys: ['sre', 'dev'], tools: [...BASE, ...PEOPLE, ...CONTROL] },
  // The development stage most often needs a new secret or database (still approval-gated).
  { triggerKinds: ['dev', 'dev_revise'], agentKeys: ['dev'], tools: [...BASE, ...PEOPLE, 'sync-secret', 'manage-database', 'get-approval'] },
  { triggerKinds: [], agentKeys: [], tools: [...BASE, ...PEOPLE] },
];

export interface RunToolInput {
  triggerKind: string;
  agentKey: string;
}

/**
 * The tools a run's token carries, in catalog order.
 * @example
 * runToolScope({ triggerKind: 'self_improve', agentKey: 'km' }).includes('list-runs') // true
 * runToolScope({ triggerKind: 'qa', agentKey: 'qa' }).includes('sync-secret') // false
 */
export function runToolScope(run: RunToolInput): RunTool[] {
  const row = SCOPE_TABLE.find(
    (r) => (r.triggerKinds.length === 0 || r.triggerKinds.includes(run.triggerKind)) && (r.agentKeys.length === 0 || r.agentKeys.includes(run.agentKey)),
  );
  const allowed = new Set(row?.tools ?? BASE);
  return RUN_TOOLS.filter((tool) => allowed.has(tool));
}

/** Whether `value` names a tool of the catalog (a token's scope is parsed with it). */
export function isRunTool(value: string): value is RunTool {
  return (RUN_TOOLS as readonly string[]).includes(value);
}
