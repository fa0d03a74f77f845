import { describe, expect, it } from 'vitest';
import { NO_AGENT_SETTINGS, parseAgentSettings, projectBranchName } from './agent-settings.ts';

describe('parseAgentSettings', () => {
  it('reads engine, branch prefix and locale', () => {
    expect(parseAgentSettings({ engine: 'claude', branch_prefix: ' ai/ ', locale: 'pt-BR' })).toEqual({
      value: { engine: 'claude', branchPrefix: 'ai/', locale: 'pt-BR', namespaceTtl: null },
      errors: [],
    });
  });

  it('reads the namespace TTL and names its bad parts after the setting', () => {
    expect(parseAgentSettings({ namespace_ttl: { default: '36h', by_role: { dev: '2h' } } })).toEqual({
      value: { ...NO_AGENT_SETTINGS, namespaceTtl: { defaultSeconds: 129_600, byRole: { dev: 7200 } } },
      errors: [],
    });
    expect(parseAgentSettings({ engine: 'claude', namespace_ttl: { default: '1m', by_role: { dev: '2h' } } })).toEqual({
      value: { ...NO_AGENT_SETTINGS, engine: 'claude', namespaceTtl: { defaultSeconds: null, byRole: { dev: 7200 } } },
      errors: ['namespace_ttl.default must be between 10m and 720h (30 days)'],
    });
  });

  it('treats a missing or empty object as no settings', () => {
    expect(parseAgentSettings(undefined)).toEqual({ value: NO_AGENT_SETTINGS, errors: [] });
    expect(parseAgentSettings({})).toEqual({ value: NO_AGENT_SETTINGS, errors: [] });
  });

  it('drops each bad field with its own error and keeps the good ones', () => {
    const parsed = parseAgentSettings({ engine: 'gpt', branch_prefix: 'x'.repeat(41), locale: 'Russian', color: 'red', });
    expect(parsed.value).toEqual(NO_AGENT_SETTINGS);
    expect(parsed.errors).toEqual([
      'unknown setting color',
      'engine must be one of codex, claude',
      'branch_prefix must be 1-40 characters',
      'locale must look like en, ru or pt-BR',
    ]);
    expect(parseAgentSettings({ engine: 'codex', locale: 7 })).toEqual({
      value: { engine: 'codex', branchPrefix: null, locale: null, namespaceTtl: null },
      errors: ['locale must look like en, ru or pt-BR'],
    });
  });

  it('refuses a non-object', () => {
    expect(parseAgentSettings(['codex']).errors).toEqual(['agent settings must be an object']);
    expect(parseAgentSettings('codex').errors).toEqual(['agent settings must be an object']);
  });
});

describe('projectBranchName', () => {
  it('uses the default prefix without a setting and the sanitized project prefix with one', () => {
    expect(projectBranchName(NO_AGENT_SETTINGS, 7)).toBe('codex/issue-7');
    expect(projectBranchName({ ...NO_AGENT_SETTINGS, branchPrefix: 'ai bot/' }, 12)).toBe('ai-bot/12');
    expect(projectBranchName({ ...NO_AGENT_SETTINGS, branchPrefix: 'y'.repeat(40) }, 123456789012).length).toBe(50);
  });
});
