/**
 * A CLI as a child process in its own process group: stdin closed (the CLIs
 * wait for more input otherwise), stdout read line by line, stderr kept as a
 * short tail for the failure reason, the whole group killed on timeout.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

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
