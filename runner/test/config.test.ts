import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../src/config.ts';

describe('readConfig', () => {
  it('names the missing or wrong variables, never their values', () => {
    expect(() => readConfig({ STAGELINE_RUN_ID: 'r1', STAGELINE_EDGE_URL: 'not a url secret-ish' })).toThrow(ConfigError);
    try {
      readConfig({ STAGELINE_RUN_ID: 'r1', STAGELINE_EDGE_URL: 'not a url secret-ish' });
    } catch (error) {
      expect(String(error)).toContain('STAGELINE_EDGE_URL');
      expect(String(error)).not.toContain('secret-ish');
    }
  });

  it("resolves pod paths under the simulated node's root", () => {
    const config = readConfig({ STAGELINE_RUN_ID: 'r1', STAGELINE_EDGE_URL: 'http://edge:8787/', KUBESIM_FS_ROOT: '/tmp/pods/fs/ns/p' });
    expect(config).toMatchObject({ edgeUrl: 'http://edge:8787', tokenFile: '/tmp/pods/fs/ns/p/var/run/stageline/run-token', workspace: '/tmp/pods/fs/ns/p/workspace', engine: 'codex' });
  });
});
