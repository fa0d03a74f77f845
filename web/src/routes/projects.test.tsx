// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { Route, Router } from '@solidjs/router';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeProject, PROJECT_ID } from '../../test/fixtures/make-ops.ts';
import { createScriptedFetch } from '../../test/fixtures/scripted-fetch.ts';
import { createLogger } from '../lib/log.ts';
import type { Project } from '../lib/projects-api.ts';
import type { Me, ProjectRole } from '../lib/staff-me.ts';
import { ProjectsPage } from './projects.tsx';

function me(role: ProjectRole | null, platformAdmin = false): Me {
  return {
    login: 'octocat',
    name: null,
    avatar_url: null,
    platform_admin: platformAdmin,
    projects: role === null ? [] : [{ id: PROJECT_ID, slug: 'acme', name: 'Acme', role }],
  };
}

function renderPage(person: Me, server: ReturnType<typeof createScriptedFetch>) {
  return render(() => (
    <Router>
      <Route path="*" component={() => <ProjectsPage fetch={server.fetch} log={createLogger()} me={person} />} />
    </Router>
  ));
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
});

describe('ProjectsPage', () => {
  it('disables every change for a read member, says why, and sends nothing', async () => {
    const project = makeProject({ my_role: 'read' });
    const server = createScriptedFetch({ 'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [project] } }) });
    renderPage(me('read'), server);
    const card = await screen.findByTestId('project-card');
    expect(within(card).getByTestId('project-admin-hint')).toHaveTextContent('Only admins of this project can change it (your role is read).');
    expect(within(card).getByTestId('settings-save')).toBeDisabled();
    expect(within(card).getByTestId('settings-agent-settings')).toBeDisabled();
    expect(within(card).getByTestId('add-member-submit')).toBeDisabled();
    expect(within(card).getByTestId('bind-submit')).toBeDisabled();
    expect(within(card).getByTestId('member-role')).toBeDisabled();
    expect(within(card).getByTestId('member-remove')).toBeDisabled();
    expect(within(card).getByTestId('repo-unbind')).toBeDisabled();
    fireEvent.click(within(card).getByTestId('settings-save'));
    fireEvent.submit(within(card).getByTestId('add-member'));
    expect(server.writes()).toEqual([]);
  });

  it('lets a project admin save only what changed and shows every refused setting', async () => {
    let project: Project = makeProject({ my_role: 'admin' });
    const server = createScriptedFetch({
      'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [project] } }),
      'PATCH /api/v1/staff/projects/*': (call) => {
        const body = call.body as Partial<Project>;
        if (body.agent_settings !== undefined && 'colour' in body.agent_settings) {
          return {
            status: 400,
            body: {
              error: { code: 'invalid_argument', message: 'agent_settings: unknown setting colour' },
              errors: ['agent_settings: unknown setting colour', 'approval_overrides: row 1: unknown mode maybe'],
            },
          };
        }
        project = { ...project, ...body };
        return { status: 200, body: { id: project.id } };
      },
    });
    renderPage(me('admin'), server);
    const card = await screen.findByTestId('project-card');
    expect(within(card).queryByTestId('project-admin-hint')).toBeNull();
    expect(within(card).getByTestId('settings-cluster')).toBeDisabled();

    fireEvent.input(within(card).getByTestId('settings-agent-settings'), { target: { value: '{"colour": "blue"}' } });
    fireEvent.input(within(card).getByTestId('settings-approval-overrides'), { target: { value: '[{"tool": "x", "mode": "maybe"}]' } });
    fireEvent.submit(within(card).getByTestId('project-settings'));
    const errors = await within(card).findByTestId('settings-errors');
    expect(within(errors).getAllByTestId('form-error').map((item) => item.textContent)).toEqual([
      'agent_settings: unknown setting colour',
      'approval_overrides: row 1: unknown mode maybe',
    ]);

    fireEvent.input(within(card).getByTestId('settings-agent-settings'), { target: { value: '{"engine": "claude"}' } });
    fireEvent.input(within(card).getByTestId('settings-approval-overrides'), { target: { value: '[]' } });
    fireEvent.input(within(card).getByTestId('settings-slots'), { target: { value: '3' } });
    fireEvent.submit(within(card).getByTestId('project-settings'));
    await within(card).findByTestId('settings-saved');
    expect(server.writes().map((call) => call.body)).toEqual([
      { agent_settings: { colour: 'blue' }, approval_overrides: [{ tool: 'x', mode: 'maybe' }] },
      { slots: 3, agent_settings: { engine: 'claude' } },
    ]);
    expect(within(card).queryByTestId('settings-errors')).toBeNull();
    await vi.waitFor(() => expect(card).toHaveTextContent('slots 3'));
  });

  it('edits the namespace TTL default and per role, refusing a bad duration before sending', async () => {
    let project = makeProject({ agent_settings: { namespace_ttl: { by_role: { qa: '12h' } } } });
    const server = createScriptedFetch({
      'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [project] } }),
      'PATCH /api/v1/staff/projects/*': (call) => {
        project = { ...project, ...(call.body as Partial<Project>) };
        return { status: 200, body: { id: project.id } };
      },
    });
    renderPage(me('admin'), server);
    const card = await screen.findByTestId('project-card');
    const role = (key: string) => card.querySelector(`[data-testid="settings-ttl-role"][data-role="${key}"]`) as HTMLInputElement;
    expect(role('qa')).toHaveValue('12h');
    expect(within(card).getByTestId('settings-ttl-default')).toHaveValue('');
    expect(within(card).getByTestId('settings-agent-settings')).toHaveValue('{}');

    fireEvent.input(within(card).getByTestId('settings-ttl-default'), { target: { value: '5m' } });
    fireEvent.submit(within(card).getByTestId('project-settings'));
    expect(await within(card).findByTestId('settings-errors')).toHaveTextContent('agent_settings: namespace_ttl.default must be between 10m and 720h (30 days)');
    expect(server.writes()).toEqual([]);

    fireEvent.input(within(card).getByTestId('settings-ttl-default'), { target: { value: '36h' } });
    fireEvent.input(role('dev'), { target: { value: '2h' } });
    fireEvent.submit(within(card).getByTestId('project-settings'));
    await within(card).findByTestId('settings-saved');
    expect(server.writes().map((call) => call.body)).toEqual([{ agent_settings: { namespace_ttl: { default: '36h', by_role: { dev: '2h', qa: '12h' } } } }]);
  });

  it('catches a form that does not parse before sending it', async () => {
    const server = createScriptedFetch({ 'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [makeProject()] } }) });
    renderPage(me('admin'), server);
    const card = await screen.findByTestId('project-card');
    fireEvent.input(within(card).getByTestId('settings-label-names'), { target: { value: '{run:dev}' } });
    fireEvent.submit(within(card).getByTestId('project-settings'));
    expect(await within(card).findByTestId('settings-errors')).toHaveTextContent(/^label_names: not valid JSON/);
    expect(server.writes()).toEqual([]);
  });

  it('adds a member, changes a role and removes a member after confirming', async () => {
    let project = makeProject({ members: [{ login: 'octocat', role: 'admin' }] });
    const server = createScriptedFetch({
      'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [project] } }),
      'PUT /api/v1/staff/projects/*/members/*': (call) => {
        const login = decodeURIComponent(call.url.split('/').at(-1) ?? '').toLowerCase();
        const role = (call.body as { role: ProjectRole }).role;
        project = { ...project, members: [...project.members.filter((member) => member.login !== login), { login, role }] };
        return { status: 200, body: { login, role } };
      },
      'DELETE /api/v1/staff/projects/*/members/*': (call) => {
        const login = call.url.split('/').at(-1);
        project = { ...project, members: project.members.filter((member) => member.login !== login) };
        return { status: 204 };
      },
    });
    renderPage(me('admin'), server);
    const card = await screen.findByTestId('project-card');
    fireEvent.input(within(card).getByTestId('add-member-login'), { target: { value: '@Mona' } });
    fireEvent.change(within(card).getByTestId('add-member-role'), { target: { value: 'read_write' } });
    fireEvent.submit(within(card).getByTestId('add-member'));
    const row = await vi.waitFor(() => {
      const found = card.querySelector('[data-testid="member-row"][data-login="mona"]');
      expect(found).not.toBeNull();
      return found as HTMLElement;
    });
    expect(row).toHaveAttribute('data-role', 'read_write');
    expect(within(card).getByTestId('project-notice')).toHaveTextContent('@mona is read & write.');

    fireEvent.change(within(row).getByTestId('member-role'), { target: { value: 'read' } });
    await vi.waitFor(() => expect(card.querySelector('[data-login="mona"]')).toHaveAttribute('data-role', 'read'));

    const current = card.querySelector('[data-login="mona"]') as HTMLElement;
    fireEvent.click(within(current).getByTestId('member-remove'));
    fireEvent.click(within(current).getByTestId('member-remove-confirm'));
    await vi.waitFor(() => expect(card.querySelector('[data-login="mona"]')).toBeNull());
    expect(server.writes().map((call) => `${call.method} ${call.url} ${JSON.stringify(call.body ?? null)}`)).toEqual([
      `PUT /api/v1/staff/projects/${PROJECT_ID}/members/Mona {"role":"read_write"}`,
      `PUT /api/v1/staff/projects/${PROJECT_ID}/members/mona {"role":"read"}`,
      `DELETE /api/v1/staff/projects/${PROJECT_ID}/members/mona null`,
    ]);
  });

  it('binds a repository and shows a 409 next to the form', async () => {
    const server = createScriptedFetch({
      'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [makeProject()] } }),
      'POST /api/v1/staff/projects/*/repositories': () => ({
        status: 409,
        body: { error: { code: 'conflict', message: 'this repository is bound to another project' } },
      }),
    });
    renderPage(me('admin'), server);
    const card = await screen.findByTestId('project-card');
    fireEvent.input(within(card).getByTestId('bind-external-id'), { target: { value: '123' } });
    fireEvent.input(within(card).getByTestId('bind-full-name'), { target: { value: 'acme/api' } });
    fireEvent.submit(within(card).getByTestId('bind-repository'));
    expect(await within(card).findByTestId('bind-errors')).toHaveTextContent('this repository is bound to another project');
    expect(server.writes()).toEqual([
      { method: 'POST', url: `/api/v1/staff/projects/${PROJECT_ID}/repositories`, body: { external_id: 123, full_name: 'acme/api' } },
    ]);
  });

  it('offers new projects and the cluster field to platform admins only', async () => {
    const server = createScriptedFetch({ 'GET /api/v1/staff/projects': () => ({ status: 200, body: { items: [makeProject({ my_role: null })] } }) });
    renderPage(me(null, true), server);
    const card = await screen.findByTestId('project-card');
    expect(within(card).getByTestId('project-role')).toHaveTextContent('platform admin');
    expect(within(card).getByTestId('settings-cluster')).toBeEnabled();
    expect(within(screen.getByTestId('new-project')).getByRole('button', { name: 'Create project' })).toBeEnabled();
  });
});
