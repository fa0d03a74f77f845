import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

it('prints one ready line, writes the kubeconfig and stops cleanly on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubesim-cli-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const child = spawn(process.execPath, [CLI, '--port', '0', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  const ready = JSON.parse(first) as { msg: string; url: string; kubeconfig: string };
  expect(ready).toMatchObject({ msg: 'kubesim ready', kubeconfig });
  expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const version = await fetch(`${ready.url}/version`);
  expect(await version.json()).toMatchObject({ major: '1', minor: '32' });
  expect(await readFile(kubeconfig, 'utf8')).toContain('current-context: kubesim');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
