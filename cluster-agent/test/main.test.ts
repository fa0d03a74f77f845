/**
 * The process entry: a bad configuration exits non-zero with a clear message
 * on stderr, before anything connects anywhere.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('main.ts', () => {
  it('exits 1 and names the missing variables when the environment is empty', () => {
    const result = spawnSync(process.execPath, [main], { env: {}, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'stageline cluster-agent: invalid configuration\n' +
        '  STAGELINE_EDGE_URL: required (http(s) base URL of the edge)\n' +
        '  STAGELINE_CLUSTER_TOKEN: required\n',
    );
    expect(result.stdout).toBe('');
  });

  it('does not echo the token when another variable is bad', () => {
    const env = { STAGELINE_EDGE_URL: 'http://127.0.0.1:1', STAGELINE_CLUSTER_TOKEN: 'super-secret', STAGELINE_CLAIM_LIMIT: '0' };
    const result = spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/STAGELINE_CLAIM_LIMIT: /);
    expect(result.stderr + result.stdout).not.toContain('super-secret');
  });
});
