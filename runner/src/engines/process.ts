/**
 * A CLI as a child process in its own process group: stdin closed (the CLIs
 * wait for more input otherwise), stdout read line by line, stderr kept as a
 * short tail for the failure reason, the whole group killed on timeout.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunnerEvent } from './engine.ts';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderrTail: string;
}

export function runLines(cmd: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; onLine: (line: string) => void }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) {
          process.kill(-child.pid, 'SIGKILL');
        }
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    createInterface({ input: child.stdout }).on('line', options.onLine);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      kill();
      resolve({ code, signal, timedOut, stderrTail: stderr });
    });
  });
}

/** How a CLI run ended, from its process result and what its output said. */
export function engineOutcome(
  cli: string,
  result: ProcessResult,
  state: { sessionId: string | null; lastMessage: string; failure: string | null },
  timeoutMs: number,
): { ok: true; sessionId: string | null; lastMessage: string } | { ok: false; sessionId: string | null; reason: string } {
  if (result.timedOut) {
    return { ok: false, sessionId: state.sessionId, reason: `agent_timeout: no result within ${Math.round(timeoutMs / 1000)} s` };
  }
  if (result.code !== 0 || state.failure !== null) {
    const why = state.failure ?? (result.stderrTail.trim().split('\n').at(-1) || `${cli} exited with ${result.code ?? result.signal}`);
    return { ok: false, sessionId: state.sessionId, reason: `model_error: ${why.slice(0, 300)}` };
  }
  return { ok: true, sessionId: state.sessionId, lastMessage: state.lastMessage };
}

/** Run a coding-agent CLI in the workdir, each stdout line read into events for the runner's stream. */
export function runAgentCli(
  cmd: string,
  args: readonly string[],
  options: { workdir: string; env: NodeJS.ProcessEnv; timeoutMs: number; read: (line: string) => readonly RunnerEvent[]; onEvent: (event: RunnerEvent) => void },
): Promise<ProcessResult> {
  return runLines(cmd, args, {
    cwd: options.workdir,
    env: options.env,
    timeoutMs: options.timeoutMs,
    onLine: (line) => {
      for (const event of options.read(line)) {
        options.onEvent(event);
      }
    },
  });
}
