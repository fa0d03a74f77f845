/**
 * A container as a local process: spawned without a shell in its own process
 * group (so grandchildren die with it, like a container's cgroup), stdout and
 * stderr captured in arrival order, exit mapped to a CRI terminated state.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { LogBuffer } from './log-buffer.ts';

export interface ProcessExit {
  exitCode: number;
  signal?: number;
  reason: 'Completed' | 'Error' | 'StartError';
  message?: string;
}

export interface ProcessSpec {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  logs: LogBuffer;
  onExit: (exit: ProcessExit) => void;
}

function signalNumber(signal: NodeJS.Signals | null): number | undefined {
  return signal ? constants.signals[signal] : undefined;
}

/** Signals the whole process group; a group that is already gone is fine. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    // ESRCH: the group has already exited, which is what we wanted.
    if (!(err instanceof Error && 'code' in err && err.code === 'ESRCH')) {
      throw err;
    }
  }
}

function toExit(code: number | null, signal: NodeJS.Signals | null, spawnError: Error | undefined, command: string): ProcessExit {
  if (spawnError) {
    const notFound = 'code' in spawnError && spawnError.code === 'ENOENT';
    const message = notFound ? `exec: "${command}": executable file not found in $PATH` : spawnError.message;
    return { exitCode: 128, reason: 'StartError', message };
  }
  const signalNo = signalNumber(signal);
  // A process killed by signal N reports exit code 128 + N in a container runtime.
  const exitCode = code ?? 128 + (signalNo ?? 0);
  const exit: ProcessExit = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
  if (signalNo !== undefined) {
    exit.signal = signalNo;
  }
  return exit;
}

export function startContainerProcess(spec: ProcessSpec): ChildProcess {
  const [command = '', ...args] = spec.argv;
  const child = spawn(command, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let spawnError: Error | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => spec.logs.append(chunk));
  }
  child.on('error', (err) => {
    spawnError ??= err;
  });
  // When the main process exits the container is over: take its leftovers down too,
  // which also closes the pipes they inherited so 'close' can fire.
  child.on('exit', () => signalGroup(child, 'SIGKILL'));
  child.on('close', (code, signal) => spec.onExit(toExit(code, signal, spawnError, command)));
  return child;
}
