/**
 * The engine's session at the edge (GET/PUT /runner/v1/session): its files
 * under the engine's home as a tar.gz in base64, written compare-and-set on
 * the version that was read, so two runs never overwrite each other blindly.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EdgeClient } from './edge-client.ts';

const run = promisify(execFile);

export interface LoadedSession {
  sessionId: string;
  version: number;
}

/** Restore the stored session into `home/<dir>`; null when there is none for this engine. */
export async function loadSession(edge: EdgeClient, engine: string, home: string): Promise<LoadedSession | null> {
  const answer = await edge.call<{ engine: string; session_id: string; archive: string; version: number }>('GET', '/runner/v1/session');
  if (answer.status === 404 || answer.body === null) {
    return null;
  }
  if (answer.status !== 200) {
    throw new Error(`session: edge answered ${answer.status}`);
  }
  const stored = answer.body;
  if (stored.engine !== engine) {
    return { sessionId: '', version: stored.version };
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  const archive = path.join(home, '.session.tgz');
  await writeFile(archive, Buffer.from(stored.archive, 'base64'), { mode: 0o600 });
  await run('tar', ['-xzf', archive, '-C', home]);
  await rm(archive);
  return { sessionId: stored.session_id, version: stored.version };
}

export type SaveResult = 'saved' | 'conflict' | 'nothing';

export async function saveSession(edge: EdgeClient, input: { engine: string; home: string; dir: string; sessionId: string | null; expectedVersion: number }): Promise<SaveResult> {
  const exists = await stat(path.join(input.home, input.dir)).then(() => true, () => false);
  if (input.sessionId === null || !exists) {
    return 'nothing';
  }
  const { stdout } = await run('tar', ['-czf', '-', '-C', input.home, input.dir], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const answer = await edge.call('PUT', '/runner/v1/session', { engine: input.engine, session_id: input.sessionId, archive: stdout.toString('base64'), expected_version: input.expectedVersion });
  if (answer.status === 409) {
    return 'conflict';
  }
  if (answer.status !== 200) {
    throw new Error(`session: edge answered ${answer.status}`);
  }
  return 'saved';
}
