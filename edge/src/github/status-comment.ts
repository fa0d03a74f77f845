/**
 * The one status comment of a run (docs/domain.md §10.2), rendered as a pure
 * function of its state. The hidden marker identifies the comment, so the
 * outbox edits it in place instead of posting another.
 */
export type StatusPhase = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'timed_out' | 'canceled';

export interface StatusCommentState {
  runId: string;
  phase: StatusPhase;
  triggerLabel: string;
  agentKey: string;
  model: string | null;
  reasoningEffort: string | null;
  runtimeMode: string | null;
  /** Why the run waits or failed. */
  reason: string | null;
  /** Link to the run in the console. */
  consoleUrl: string | null;
  /** What the runner in the Job is doing (`clone`, `agent`, `push`, …); null before it reports. */
  runnerPhase?: string | null;
  branch?: string | null;
  pullRequest?: { number: number; url: string } | null;
  /** The agent's last `run_status_report` lines, oldest first. */
  statusLines?: readonly string[];
  /** Seconds from the Job's start to this edit. */
  elapsedSeconds?: number | null;
}

function formatElapsed(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s}s` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Status lines come from the agent: one line each, no table breaks, no HTML comment that could fake a marker. */
function quoteLine(line: string): string {
  return `> ${line.replace(/[\r\n]+/g, ' ').replace(/<!--/g, '&lt;!--').slice(0, 300)}`;
}

export function statusMarker(runId: string): string {
  return `<!-- stageline:run:${runId} -->`;
}

const TITLE: Record<StatusPhase, string> = {
  queued: ':hourglass_flowing_sand: Agent launch planned',
  running: ':gear: Agent running',
  waiting: ':pause_button: Agent waiting',
  succeeded: ':white_check_mark: Agent finished',
  failed: ':x: Agent failed',
  timed_out: ':alarm_clock: Agent timed out',
  canceled: ':no_entry_sign: Run canceled',
};

/** The phase order: an edit never moves the comment back (a late `running` after `succeeded`). */
const RANK: Record<StatusPhase, number> = { queued: 0, running: 1, waiting: 2, succeeded: 3, failed: 3, timed_out: 3, canceled: 3 };

export function isLaterPhase(next: StatusPhase, current: StatusPhase): boolean {
  return RANK[next] > RANK[current] || (next === 'running' && current === 'waiting');
}

/** Markdown of the comment; no secrets or tokens ever appear in it. */
export function renderStatusComment(state: StatusCommentState): string {
  const rows: [string, string | null][] = [
    ['Stage', `\`${state.triggerLabel}\` (agent \`${state.agentKey}\`)`],
    ['Model', state.model === null ? null : `${state.model}${state.reasoningEffort === null ? '' : `, effort ${state.reasoningEffort}`}`],
    ['Runtime', state.runtimeMode],
    ['Run', `\`${state.runId}\``],
    ['Phase', state.runnerPhase ?? null],
    ['Branch', state.branch == null ? null : `\`${state.branch}\``],
    ['Pull request', state.pullRequest == null ? null : `[#${state.pullRequest.number}](${state.pullRequest.url})`],
    ['Elapsed', state.elapsedSeconds == null ? null : formatElapsed(state.elapsedSeconds)],
    [state.phase === 'waiting' ? 'Waiting for' : 'Reason', state.reason],
  ];
  const table = rows.filter((r): r is [string, string] => r[1] !== null).map(([k, v]) => `| ${k} | ${v} |`);
  const link = state.consoleUrl === null ? [] : ['', `[Open the run in Stageline](${state.consoleUrl})`];
  const lines = state.statusLines ?? [];
  const reports = lines.length === 0 ? [] : ['', ...lines.map(quoteLine)];
  return [statusMarker(state.runId), `### ${TITLE[state.phase]}`, '', '| | |', '|---|---|', ...table, ...reports, ...link].join('\n');
}
