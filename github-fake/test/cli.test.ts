import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

it('prints one ready line, serves the API and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--app-id', '31', '--app-client-id', 'Iv1.cli', '--app-client-secret', 'cli-secret'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const ready = JSON.parse(await new Promise<string>((resolve) => lines.once('line', resolve))) as { msg: string; url: string; appId: number };
  expect(ready).toMatchObject({ msg: 'github-fake ready', appId: 31, clientId: 'Iv1.cli' });
  const res = await fetch(`${ready.url}/app/installations/1`);
  expect(res.status).toBe(401);
  const app = (await (await fetch(`${ready.url}/_fake/app`)).json()) as { id: number; clientId: string; clientSecret: string };
  expect(app).toMatchObject({ id: 31, clientId: 'Iv1.cli', clientSecret: 'cli-secret' });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
