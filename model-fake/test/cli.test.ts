import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { codexBody, PATHS, postSse } from './harness.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

it('prints one ready line, serves the demo script and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--script', 'demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const ready = JSON.parse(await new Promise<string>((resolve) => lines.once('line', resolve))) as { msg: string; url: string };
  expect(ready).toMatchObject({ msg: 'model-fake ready', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  const events = await postSse(ready.url + PATHS.openai, codexBody('demo'));
  expect(events[1]?.data.item).toMatchObject({ type: 'function_call', namespace: 'mcp__stageline', name: 'run_context' });
  const stopped = new Promise<string>((resolve) => lines.once('line', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(JSON.parse(await stopped)).toMatchObject({ msg: 'model-fake stopped', requests: 1 });
});
