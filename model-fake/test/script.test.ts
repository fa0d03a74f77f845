import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply, Script, TurnContext } from '../src/index.ts';
import { demoScript, sequenceScript, shellQuote, steps, textReply } from '../src/index.ts';

function at(step: number): TurnContext {
  return { provider: 'openai', body: {}, step, outputs: [], firstUserText: 'go' };
}

async function play(script: Script, step: number): Promise<Reply> {
  return await script(at(step));
}

describe('sequenceScript', () => {
  it('starts each turn where the earlier turns’ calls leave the step count, then answers the final text', async () => {
    const both = steps({ type: 'tool', name: 'a', args: {} }, { type: 'tool', name: 'b', args: {} });
    const shell = steps({ type: 'shell', command: 'true' });
    const script = sequenceScript([both, shell], 'all done');
    expect(await play(script, 0)).toBe(both);
    expect(await play(script, 2)).toBe(shell);
    expect(await play(script, 3)).toEqual(textReply('all done'));
    expect(await play(script, 9)).toEqual(textReply('all done'));
    expect(() => script(at(1))).toThrow(/step 1 falls inside a turn/);
  });

  it('plays a closing fault at its step, and every retry of that step gets it again', async () => {
    const fault: Reply = { kind: 'http_error', status: 500 };
    const script = sequenceScript([steps({ type: 'shell', command: 'true' }), fault]);
    expect(await play(script, 1)).toBe(fault);
    expect(await play(script, 1)).toBe(fault);
  });

  it('rejects turns that could never play because an earlier turn calls no tool', () => {
    expect(() => sequenceScript([textReply('early'), steps({ type: 'shell', command: 'true' })])).toThrow(/turn 0 calls no tool/);
    expect(() => sequenceScript([{ kind: 'hang' }, textReply('never')])).toThrow(/turn 0 calls no tool/);
  });

  it('answers the final text at once for an empty list', async () => {
    expect(await play(sequenceScript([]), 0)).toEqual(textReply('Done.'));
  });
});

describe('demoScript', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls run_context, reports status, appends a dated line with one shell command, then summarizes', async () => {
    const script = demoScript({ date: '2026-12-05', file: "it's notes.md" });
    expect(await play(script, 0)).toEqual(steps({ type: 'tool', server: 'stageline', name: 'run_context', args: {} }));
    expect(await play(script, 1)).toMatchObject({ items: [{ type: 'tool', server: 'stageline', name: 'run_status_report', args: { text: expect.stringContaining("it's notes.md") } }] });
    const shell = await play(script, 2);
    if (shell.kind !== 'steps' || shell.items[0]?.type !== 'shell') {
      throw new Error(`expected a shell step, got ${JSON.stringify(shell)}`);
    }
    const command = shell.items[0].command;
    expect(command).not.toContain('<<');
    dir = mkdtempSync(path.join(tmpdir(), 'model-fake-demo-'));
    execFileSync('sh', ['-c', command], { cwd: dir });
    execFileSync('sh', ['-c', command], { cwd: dir });
    expect(readFileSync(path.join(dir, "it's notes.md"), 'utf8')).toBe('- 2026-12-05: scripted model demo run\n'.repeat(2));
    expect(await play(script, 3)).toEqual(textReply(`Appended "- 2026-12-05: scripted model demo run" to it's notes.md.`));
  });

  it('defaults to CHANGELOG.md, the stageline server and today', async () => {
    const before = new Date().toISOString().slice(0, 10);
    const reply = JSON.stringify(await play(demoScript(), 2));
    const after = new Date().toISOString().slice(0, 10);
    expect(reply).toContain(JSON.stringify(shellQuote('CHANGELOG.md')).slice(1, -1));
    expect([before, after].some((day) => reply.includes(day))).toBe(true);
  });
});
