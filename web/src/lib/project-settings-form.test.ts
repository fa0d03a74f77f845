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
