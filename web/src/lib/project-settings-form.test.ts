import { describe, expect, it } from 'vitest';
import { makeProject } from '../../test/fixtures/make-ops.ts';
import { isSameJson, toProjectChange, toSettingsForm } from './project-settings-form.ts';

const project = makeProject({
  name: 'Acme',
  slots: null,
  label_names: { 'run:dev': 'ai:dev' },
  agent_settings: { engine: 'codex', locale: 'en' },
  approval_overrides: [],
  cluster_id: 'prod-eu-1',
  github_installation_id: 77,
});

describe('toProjectChange', () => {
  it('is empty when nothing changed, whatever the key order or spacing of the JSON', () => {
    const form = { ...toSettingsForm(project), agent_settings: '{"locale":"en","engine":"codex"}' };
    expect(toProjectChange(project, form, { platformAdmin: true })).toEqual({ ok: true, value: {} });
  });

  it('sends only what changed', () => {
    const form = {
      ...toSettingsForm(project),
      name: '  Acme Corp ',
      slots: '4',
      approval_overrides: '[{"tool": "secret_sync", "mode": "deny"}]',
    };
    expect(toProjectChange(project, form, { platformAdmin: false })).toEqual({
      ok: true,
      value: { name: 'Acme Corp', slots: 4, approval_overrides: [{ tool: 'secret_sync', mode: 'deny' }] },
    });
  });

  it('reads an empty slots field as the default (null)', () => {
    const withSlots = makeProject({ slots: 3 });
    expect(toProjectChange(withSlots, { ...toSettingsForm(withSlots), slots: ' ' }, { platformAdmin: false })).toEqual({ ok: true, value: { slots: null } });
  });

  it('never sends cluster or installation for a project admin, even when the fields were edited', () => {
    const form = { ...toSettingsForm(project), cluster_id: 'other', github_installation_id: '99' };
    expect(toProjectChange(project, form, { platformAdmin: false })).toEqual({ ok: true, value: {} });
  });

  it('sends cluster and installation for a platform admin, empty as null', () => {
    const form = { ...toSettingsForm(project), cluster_id: '', github_installation_id: '99' };
    expect(toProjectChange(project, form, { platformAdmin: true })).toEqual({ ok: true, value: { cluster_id: null, github_installation_id: 99 } });
  });

  it('names every problem at once, like the edge', () => {
    const form = {
      ...toSettingsForm(project),
      name: ' ',
      slots: '1001',
      label_names: '{"run:dev": 1}',
      agent_settings: '{engine: codex}',
      approval_overrides: '{}',
      cluster_id: 'Prod EU',
      github_installation_id: '-3',
    };
    const result = toProjectChange(project, form, { platformAdmin: true });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.error;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'name',
      'slots',
      'label_names',
      'agent_settings',
      'approval_overrides',
      'cluster_id',
      'github_installation_id',
    ]);
    expect(problems[3]).toMatch(/^agent_settings: not valid JSON/);
  });

  it.each(['1.5', 'two', '-1', '1e3'])('refuses slots %s', (slots) => {
    expect(toProjectChange(project, { ...toSettingsForm(project), slots }, { platformAdmin: false }).ok).toBe(false);
  });
});

describe('the namespace TTL fields', () => {
  const withTtl = makeProject({ agent_settings: { engine: 'codex', namespace_ttl: { default: '24h', by_role: { dev: '48h' } } } });
  const ttlForm = (project: typeof withTtl, ttl: { default?: string; by_role?: Record<string, string> }) => {
    const form = toSettingsForm(project);
    return { ...form, namespace_ttl: { default: ttl.default ?? form.namespace_ttl.default, by_role: { ...form.namespace_ttl.by_role, ...ttl.by_role } } };
  };

  it('shows the stored TTL in its fields, one per agent role, and not in the JSON', () => {
    const form = toSettingsForm(withTtl);
    expect(JSON.parse(form.agent_settings)).toEqual({ engine: 'codex' });
    expect(form.namespace_ttl.default).toBe('24h');
    expect(form.namespace_ttl.by_role).toEqual({ pm: '', sa: '', em: '', dev: '48h', km: '', qa: '', sre: '', reviewer: '' });
    expect(toProjectChange(withTtl, form, { platformAdmin: false })).toEqual({ ok: true, value: {} });
  });

  it('sends the fields as agent_settings.namespace_ttl beside the JSON’s keys, trimmed, empty roles left out', () => {
    const form = ttlForm(project, { default: ' 12h ', by_role: { qa: '1h30m' } });
    expect(toProjectChange(project, form, { platformAdmin: false })).toEqual({
      ok: true,
      value: { agent_settings: { engine: 'codex', locale: 'en', namespace_ttl: { default: '12h', by_role: { qa: '1h30m' } } } },
    });
  });

  it('removes the setting when every field is cleared', () => {
    const form = ttlForm(withTtl, { default: '', by_role: { dev: ' ' } });
    expect(toProjectChange(withTtl, form, { platformAdmin: false })).toEqual({ ok: true, value: { agent_settings: { engine: 'codex' } } });
  });

  it('names the policy’s refusals as the edge does, and sends nothing', () => {
    const form = ttlForm(project, { default: '5m', by_role: { dev: '2 days' } });
    expect(toProjectChange(project, form, { platformAdmin: false })).toEqual({
      ok: false,
      error: [
        'agent_settings: namespace_ttl.default must be between 10m and 720h (30 days)',
        'agent_settings: namespace_ttl.by_role.dev must be a duration like 24h or 1h30m (units h, m, s)',
      ],
    });
  });

  it('refuses a TTL set both in the JSON and in the fields', () => {
    const form = { ...ttlForm(project, { by_role: { dev: '2h' } }), agent_settings: '{"namespace_ttl": {"default": "3h"}}' };
    expect(toProjectChange(project, form, { platformAdmin: false })).toEqual({
      ok: false,
      error: ['agent_settings: namespace_ttl is set both in the JSON and in the TTL fields; keep one'],
    });
  });

  it('keeps a stored TTL the fields cannot show in the JSON, and leaves it to the edge when unchanged', () => {
    const odd = makeProject({ agent_settings: { namespace_ttl: { by_role: { designer: '1h' } } } });
    const form = toSettingsForm(odd);
    expect(JSON.parse(form.agent_settings)).toEqual({ namespace_ttl: { by_role: { designer: '1h' } } });
    expect(form.namespace_ttl.default).toBe('');
    expect(toProjectChange(odd, form, { platformAdmin: false })).toEqual({ ok: true, value: {} });
    expect(toProjectChange(odd, { ...form, name: 'Renamed' }, { platformAdmin: false })).toEqual({ ok: true, value: { name: 'Renamed' } });
  });
});

describe('toSettingsForm', () => {
  it('shows JSON pretty-printed and nulls as empty fields', () => {
    const form = toSettingsForm(makeProject({ slots: null, cluster_id: null, github_installation_id: null, label_names: { a: 'b' } }));
    expect(form).toMatchObject({ slots: '', cluster_id: '', github_installation_id: '', label_names: '{\n  "a": "b"\n}', approval_overrides: '[]' });
  });
});

describe('isSameJson', () => {
  it('ignores key order but not array order', () => {
    expect(isSameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    expect(isSameJson([1, 2], [2, 1])).toBe(false);
  });
});
