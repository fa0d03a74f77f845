/**
 * The real codex CLI (npm @openai/codex, installed at the repository root)
 * against the fake: one shell step, then a final answer. A missing binary is a
 * failure, not a skip, so the suite cannot pass without having run codex.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { ScriptedModel } from '../src/index.ts';
import { sequenceScript, startScriptedModel, steps } from '../src/index.ts';

const CODEX = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));
/** Generous: a cold start of the native binary on a busy CI machine, two model turns and one command. */
const CODEX_DEADLINE_MS = 90_000;

let model: ScriptedModel | undefined;
let dir: string | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
  if (dir !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }
});

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = setTimeout(() => child.kill('SIGKILL'), CODEX_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

it(
  'codex exec runs a scripted shell step and ends with the scripted answer',
  async () => {
    expect(existsSync(CODEX), `codex CLI not found at ${CODEX}: install @openai/codex@0.169.0 at the repository root (npm install)`).toBe(true);
    const play = sequenceScript([steps({ type: 'shell', command: 'printf hello > out.txt' })], 'done');
    const prompts: string[] = [];
    model = await startScriptedModel({
      script: (turn) => {
        prompts.push(turn.firstUserText);
        return play(turn);
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'model-fake-codex-'));
    const work = path.join(dir, 'work');
    const home = path.join(dir, 'home');
    const codexHome = path.join(dir, 'codex-home');
    for (const folder of [work, home, codexHome]) {
      mkdirSync(folder);
    }
    const provider = `model_providers.scripted={name="scripted",base_url="${model.url}/v1",wire_api="responses",env_key="MODEL_KEY"}`;
    const args = [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '-s',
      'danger-full-access',
      '-c',
      'approval_policy=never',
      '-c',
      'model_provider=scripted',
      '-c',
      provider,
      '-c',
      'model=gpt-5.4',
      'Write hello to out.txt.',
    ];
    const result = await run(CODEX, args, {
      cwd: work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: codexHome, MODEL_KEY: 'x' },
    });
    const report = JSON.stringify({ result, requests: model.requests.map((r) => ({ path: r.path, purpose: r.purpose, step: r.step, answer: r.answer })) }, null, 2);

    expect(result.code, report).toBe(0);
    expect(existsSync(path.join(work, 'out.txt')), report).toBe(true);
    expect(readFileSync(path.join(work, 'out.txt'), 'utf8')).toBe('hello');
    const events = jsonLines(result.stdout);
    expect(events.some((e) => e.type === 'thread.started'), report).toBe(true);
    const messages = events.filter((e) => e.type === 'item.completed').map((e) => e.item as Record<string, unknown>);
    expect(messages.filter((item) => item.type === 'agent_message').at(-1), report).toMatchObject({ text: 'done' });

    const turns = model.requests.filter((r) => r.purpose === 'turn');
    expect(turns.map((r) => r.path), report).toEqual(['/v1/responses', '/v1/responses']);
    // codex's injected <environment_context> message is not taken for the prompt.
    expect(prompts).toEqual(['Write hello to out.txt.', 'Write hello to out.txt.']);
    const secondInput = (turns[1]?.body as { input?: { type?: string; call_id?: string }[] } | undefined)?.input ?? [];
    expect(secondInput.filter((item) => item.type === 'function_call_output')).toMatchObject([{ call_id: 'call_fake_0' }]);
  },
  CODEX_DEADLINE_MS + 30_000,
);
