/**
 * Projects (`/projects`, docs/domain.md §8.3): per project its settings
 * (name, slots, label names, agent settings with the namespace TTL per role
 * in fields of their own, approval overrides; cluster and
 * installation for platform admins), its repositories and its members.
 * Project admins and platform admins change them; everyone else sees the
 * controls disabled and why. The edge checks settings with the policy's
 * parsers and names every refusal; the page shows them all next to the form.
 *
 * Cards are keyed by project id, so reloading after a change keeps what is
 * being typed in another form of the same card.
 */
import { NAMESPACE_TTL_ROLES } from '@stageline/policy';
import { createEffect, createMemo, createSignal, For, onMount, Show, untrack } from 'solid-js';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { FormErrors } from '../components/form-errors.tsx';
import { RelativeTime } from '../components/relative-time.tsx';
import { canAdministerProject, PLATFORM_ADMIN_HINT, projectAdminHint } from '../lib/ops-access.ts';
import { CLUSTER_ID_PATTERN } from '../lib/ops-api.ts';
import { toProjectChange, toSettingsForm, type ProjectSettingsForm } from '../lib/project-settings-form.ts';
import {
  bindRepository,
  createProject,
  fetchProjects,
  LOGIN_PATTERN,
  PROJECT_ROLES,
  REPOSITORY_PATTERN,
  removeMember,
  setMember,
  SLUG_PATTERN,
  unbindRepository,
  updateProject,
  type Project,
  type ProjectRole,
} from '../lib/projects-api.ts';
import { messagesOf } from '../lib/staff-request.ts';
import type { ScreenProps } from './ops-routes.tsx';

export const ROLE_LABELS: Record<ProjectRole, string> = { admin: 'admin', read_write: 'read & write', read: 'read' };

type Notice = { kind: 'done' | 'error'; text: string };

export function ProjectsPage(props: ScreenProps) {
  const [projects, setProjects] = createSignal<Project[] | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(new Date());
  let generation = 0;

  async function load(): Promise<void> {
    const started = ++generation;
    try {
      const next = await fetchProjects({ fetch: props.fetch });
      if (started === generation) {
        setProjects(next);
        setLoadError(null);
        setNow(new Date());
      }
    } catch (error) {
      props.log.warn('loading projects failed', { error: String(error) });
      if (started === generation) {
        setLoadError(messagesOf(error).join(' '));
      }
    }
  }

  onMount(() => void load());

  const ids = createMemo(() => (projects() ?? []).map((project) => project.id));
  const byId = (id: string): Project | undefined => projects()?.find((project) => project.id === id);

  return (
    <section class="page ops-screen" aria-labelledby="projects-title">
      <div class="ops-head">
        <h2 id="projects-title" class="page-title">
          Projects
        </h2>
      </div>
      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load projects: {message()}
          </p>
        )}
      </Show>
      <For each={ids()} fallback={<p class="empty-line">{projects() === null ? 'Loading projects…' : 'No projects to show.'}</p>}>
        {(id) => (
          <Show when={byId(id)}>
            {(project) => <ProjectCard {...props} project={project()} now={now()} reload={load} />}
          </Show>
        )}
      </For>
      <NewProjectForm {...props} onCreated={() => void load()} />
    </section>
  );
}

function NewProjectForm(props: ScreenProps & { onCreated: () => void }) {
  const [slug, setSlug] = createSignal('');
  const [name, setName] = createSignal('');
  const [cluster, setCluster] = createSignal('');
  const [errors, setErrors] = createSignal<string[]>([]);
  const [done, setDone] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const problems: string[] = [];
    if (!SLUG_PATTERN.test(slug().trim())) {
      problems.push('slug: lower-case letters, digits and dashes, at most 63');
    }
    if (name().trim() === '') {
      problems.push('name: required');
    }
    if (cluster().trim() !== '' && !CLUSTER_ID_PATTERN.test(cluster().trim())) {
      problems.push('cluster_id: lower-case letters, digits and dashes, at most 63');
    }
    setErrors(problems);
    setDone(null);
    if (problems.length > 0) {
      return;
    }
    setBusy(true);
    try {
      const created = await createProject(
        { slug: slug().trim(), name: name().trim(), ...(cluster().trim() === '' ? {} : { cluster_id: cluster().trim() }) },
        { fetch: props.fetch },
      );
      props.log.info('project created', { projectId: created.id });
      setDone(`Project ${created.slug} created.`);
      setSlug('');
      setName('');
      setCluster('');
      props.onCreated();
    } catch (error) {
      props.log.warn('creating a project failed', { error: String(error) });
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details class="ops-panel ops-details" data-testid="new-project">
      <summary class="section-title">New project</summary>
      <form class="ops-form ops-form-row" onSubmit={(event) => void submit(event)}>
        <fieldset class="ops-fieldset" disabled={!props.me.platform_admin || busy()}>
          <label class="ops-field">
            <span>Slug</span>
            <input class="input mono" required value={slug()} onInput={(event) => setSlug(event.currentTarget.value)} placeholder="billing" />
          </label>
          <label class="ops-field">
            <span>Name</span>
            <input class="input" required maxLength={100} value={name()} onInput={(event) => setName(event.currentTarget.value)} placeholder="Billing" />
          </label>
          <label class="ops-field">
            <span>Cluster (optional)</span>
            <input class="input mono" value={cluster()} onInput={(event) => setCluster(event.currentTarget.value)} placeholder="prod-eu-1" />
          </label>
          <button type="submit" class="button button-primary">
            Create project
          </button>
        </fieldset>
      </form>
      <Show when={!props.me.platform_admin}>
        <p class="hint">{PLATFORM_ADMIN_HINT} New projects are created by platform admins.</p>
      </Show>
      <FormErrors errors={errors()} testId="new-project-errors" />
      <Show when={done()}>
        {(text) => (
          <p class="hint" role="status">
            {text()}
          </p>
        )}
      </Show>
    </details>
  );
}

type CardProps = ScreenProps & { project: Project; now: Date; reload: () => Promise<void> };

function ProjectCard(props: CardProps) {
  const allowed = (): boolean => canAdministerProject(props.me, props.project.id);
  const hint = (): string | null => projectAdminHint(props.me, props.project.id);
  const [notice, setNotice] = createSignal<Notice | null>(null);

  const roleText = (): string => {
    const role = props.project.my_role;
    if (role !== null) {
      return `your role: ${ROLE_LABELS[role]}`;
    }
    return props.me.platform_admin ? 'platform admin' : 'no role';
  };

  /** Runs one change, shows its outcome, reloads the list; `false` when it failed. */
  async function act(what: string, change: () => Promise<void>): Promise<boolean> {
    setNotice(null);
    try {
      await change();
      setNotice({ kind: 'done', text: what });
      await props.reload();
      return true;
    } catch (error) {
      props.log.warn('project change failed', { projectId: props.project.id, what, error: String(error) });
      setNotice({ kind: 'error', text: messagesOf(error).join(' ') });
      return false;
    }
  }

  return (
    <article class="ops-card ops-project" data-testid="project-card" data-project-id={props.project.id} aria-labelledby={`project-${props.project.id}`}>
      <header class="ops-card-head">
        <div>
          <h3 class="ops-card-title" id={`project-${props.project.id}`}>
            {props.project.name}
          </h3>
          <span class="mono ops-sub">{props.project.slug}</span>
        </div>
        <div class="ops-card-meta">
          <span class="ops-role" data-testid="project-role">
            {roleText()}
          </span>
          <span class="ops-sub">
            cluster <span class="mono">{props.project.cluster_id ?? 'none'}</span> · slots {props.project.slots ?? 'default'}
          </span>
        </div>
      </header>
      <Show when={hint()}>
        {(text) => (
          <p class="ops-locked" data-testid="project-admin-hint">
            {text()}
          </p>
        )}
      </Show>
      <div aria-live="polite">
        <Show when={notice()}>
          {(shown) => (
            <p class="notice" data-kind={shown().kind} data-testid="project-notice" role={shown().kind === 'done' ? 'status' : 'alert'}>
              {shown().text}
            </p>
          )}
        </Show>
      </div>
      <div class="ops-project-grid">
        <SettingsForm {...props} allowed={allowed()} />
        <div class="ops-project-side">
          <Repositories {...props} allowed={allowed()} act={act} />
          <Members {...props} allowed={allowed()} act={act} />
        </div>
      </div>
    </article>
  );
}

function SettingsForm(props: CardProps & { allowed: boolean }) {
  const [form, setForm] = createSignal<ProjectSettingsForm>(toSettingsForm(props.project));
  const [baseline, setBaseline] = createSignal<ProjectSettingsForm>(toSettingsForm(props.project));
  const [errors, setErrors] = createSignal<string[]>([]);
  const [saved, setSaved] = createSignal(false);
  const [saving, setSaving] = createSignal(false);
  const dirty = (): boolean => JSON.stringify(form()) !== JSON.stringify(baseline());

  // A reload brings the stored settings; they replace the form unless it holds unsaved edits.
  createEffect(() => {
    const next = toSettingsForm(props.project);
    if (!untrack(dirty)) {
      setForm(next);
    }
    setBaseline(next);
  });

  const field = (key: Exclude<keyof ProjectSettingsForm, 'namespace_ttl'>) => (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
    setForm({ ...form(), [key]: event.currentTarget.value });
    setSaved(false);
  };

  /** The TTL default (`role` null) or one role's TTL. */
  const ttlField = (role: string | null) => (event: { currentTarget: HTMLInputElement }) => {
    const ttl = form().namespace_ttl;
    const value = event.currentTarget.value;
    setForm({ ...form(), namespace_ttl: role === null ? { ...ttl, default: value } : { ...ttl, by_role: { ...ttl.by_role, [role]: value } } });
    setSaved(false);
  };

  async function save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setSaved(false);
    const parsed = toProjectChange(props.project, form(), { platformAdmin: props.me.platform_admin });
    if (!parsed.ok) {
      setErrors(parsed.error);
      return;
    }
    if (Object.keys(parsed.value).length === 0) {
      setErrors(['Nothing changed.']);
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      await updateProject(props.project.id, parsed.value, { fetch: props.fetch });
      props.log.info('project settings saved', { projectId: props.project.id, fields: Object.keys(parsed.value) });
      setSaved(true);
      // The saved values are the new baseline; the reload then refreshes the form.
      setBaseline(form());
      await props.reload();
    } catch (error) {
      props.log.warn('saving project settings failed', { projectId: props.project.id, error: String(error) });
      setErrors(messagesOf(error));
    } finally {
      setSaving(false);
    }
  }

  const id = (name: string): string => `${name}-${props.project.id}`;

  return (
    <form class="ops-form ops-settings" data-testid="project-settings" onSubmit={(event) => void save(event)}>
      <h4 class="section-title">Settings</h4>
      <fieldset class="ops-fieldset ops-fieldset-grid" disabled={!props.allowed || saving()}>
        <label class="ops-field" for={id('name')}>
          <span>Name</span>
        </label>
        <input id={id('name')} class="input" data-testid="settings-name" maxLength={100} value={form().name} onInput={field('name')} />
        <label class="ops-field" for={id('slots')}>
          <span>Slots</span>
        </label>
        <div class="ops-field-with-hint">
          <input
            id={id('slots')}
            class="input ops-narrow"
            data-testid="settings-slots"
            inputMode="numeric"
            placeholder="default"
            value={form().slots}
            onInput={field('slots')}
          />
          <span class="hint">runs at once; empty for the platform default</span>
        </div>
        <label class="ops-field" for={id('cluster')}>
          <span>Cluster</span>
        </label>
        <div class="ops-field-with-hint">
          <input
            id={id('cluster')}
            class="input mono ops-narrow"
            data-testid="settings-cluster"
            disabled={!props.me.platform_admin}
            placeholder="none"
            value={form().cluster_id}
            onInput={field('cluster_id')}
          />
          <input
            class="input mono ops-narrow"
            aria-label="GitHub installation id"
            data-testid="settings-installation"
            disabled={!props.me.platform_admin}
            placeholder="installation id"
            inputMode="numeric"
            value={form().github_installation_id}
            onInput={field('github_installation_id')}
          />
          <Show when={!props.me.platform_admin}>
            <span class="hint">cluster and installation: platform admins only</span>
          </Show>
        </div>
        <label class="ops-field" for={id('labels')}>
          <span>Label names</span>
        </label>
        <textarea
          id={id('labels')}
          class="input mono ops-json"
          data-testid="settings-label-names"
          rows={3}
          spellcheck={false}
          aria-describedby={id('labels-hint')}
          value={form().label_names}
          onInput={field('label_names')}
        />
        <span />
        <span class="hint" id={id('labels-hint')}>
          label id → the name used on GitHub, e.g. {'{"run:dev": "ai:dev"}'}
        </span>
        <label class="ops-field" for={id('agent')}>
          <span>Agent settings</span>
        </label>
        <textarea
          id={id('agent')}
          class="input mono ops-json"
          data-testid="settings-agent-settings"
          rows={3}
          spellcheck={false}
          aria-describedby={id('agent-hint')}
          value={form().agent_settings}
          onInput={field('agent_settings')}
        />
        <span />
        <span class="hint" id={id('agent-hint')}>
          engine (codex or claude), branch_prefix, locale; the namespace TTL has its fields below
        </span>
        <label class="ops-field" for={id('ttl-default')}>
          <span>Namespace TTL</span>
        </label>
        <div class="ops-field-with-hint" role="group" aria-label="Namespace TTL per agent role" aria-describedby={id('ttl-hint')}>
          <span class="ops-inline-field">
            <span>default</span>
            <input
              id={id('ttl-default')}
              class="input mono"
              size={9}
              data-testid="settings-ttl-default"
              placeholder="cluster’s"
              value={form().namespace_ttl.default}
              onInput={ttlField(null)}
            />
          </span>
          <For each={NAMESPACE_TTL_ROLES}>
            {(role) => (
              <label class="ops-inline-field">
                <span class="mono">{role}</span>
                <input
                  class="input mono"
                  size={7}
                  data-testid="settings-ttl-role"
                  data-role={role}
                  placeholder="default"
                  value={form().namespace_ttl.by_role[role] ?? ''}
                  onInput={ttlField(role)}
                />
              </label>
            )}
          </For>
        </div>
        <span />
        <span class="hint" id={id('ttl-hint')}>
          how long a run namespace is kept after its run, per agent role, e.g. 24h or 1h30m (10m to 720h); empty: the project default, else
          the cluster’s Helm values
        </span>
        <label class="ops-field" for={id('overrides')}>
          <span>Approval overrides</span>
        </label>
        <textarea
          id={id('overrides')}
          class="input mono ops-json"
          data-testid="settings-approval-overrides"
          rows={3}
          spellcheck={false}
          aria-describedby={id('overrides-hint')}
          value={form().approval_overrides}
          onInput={field('approval_overrides')}
        />
        <span />
        <span class="hint" id={id('overrides-hint')}>
          rows that beat the shipped matrix, e.g. {'[{"tool": "secret_sync", "mode": "deny"}]'}
        </span>
        <span />
        <div class="ops-actions">
          <button type="submit" class="button button-primary" data-testid="settings-save">
            {saving() ? 'Saving…' : 'Save settings'}
          </button>
          <button
            type="button"
            class="button"
            data-testid="settings-reset"
            disabled={!dirty()}
            onClick={() => {
              setForm(baseline());
              setErrors([]);
            }}
          >
            Reset
          </button>
          <Show when={saved()}>
            <span class="hint" role="status" data-testid="settings-saved">
              Saved.
            </span>
          </Show>
        </div>
      </fieldset>
      <FormErrors errors={errors()} testId="settings-errors" />
    </form>
  );
}

type SectionProps = CardProps & { allowed: boolean; act: (what: string, change: () => Promise<void>) => Promise<boolean> };

function Repositories(props: SectionProps) {
  const [externalId, setExternalId] = createSignal('');
  const [fullName, setFullName] = createSignal('');
  const [errors, setErrors] = createSignal<string[]>([]);
  const [busy, setBusy] = createSignal(false);
  const projectId = (): string => props.project.id;

  async function bind(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const id = Number(externalId().trim());
    const name = fullName().trim();
    const problems = [
      ...(Number.isSafeInteger(id) && id > 0 ? [] : ['external_id: the repository’s numeric GitHub id']),
      ...(REPOSITORY_PATTERN.test(name) ? [] : ['full_name: owner/name']),
    ];
    setErrors(problems);
    if (problems.length > 0) {
      return;
    }
    setBusy(true);
    try {
      await bindRepository(projectId(), { external_id: id, full_name: name }, { fetch: props.fetch });
      setExternalId('');
      setFullName('');
      await props.act(`Bound ${name}.`, () => Promise.resolve());
    } catch (error) {
      props.log.warn('binding a repository failed', { projectId: projectId(), error: String(error) });
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="ops-subsection" aria-label={`Repositories of ${props.project.name}`}>
      <h4 class="section-title">
        Repositories <span class="count">{props.project.repositories.filter((repository) => repository.unbound_at === null).length}</span>
      </h4>
      <ul class="ops-list">
        <For each={props.project.repositories} fallback={<li class="empty-line">No repository bound.</li>}>
          {(repository) => (
            <li
              class="ops-list-row"
              data-testid="repo-row"
              data-repository-id={repository.id}
              data-bound={String(repository.unbound_at === null)}
            >
              <span class="ops-wrap">
                <span class="repo">{repository.full_name}</span> <span class="ops-sub mono">#{repository.external_id}</span>
              </span>
              <Show
                when={repository.unbound_at === null}
                fallback={
                  <span class="ops-sub">
                    unbound <RelativeTime iso={repository.unbound_at} now={props.now} />
                  </span>
                }
              >
                <ConfirmAction
                  label="Unbind"
                  question={`Unbind ${repository.full_name}? New events are ignored; its runs stay.`}
                  confirmLabel="Unbind"
                  danger
                  testId="repo-unbind"
                  disabled={!props.allowed}
                  disabledHint={projectAdminHint(props.me, projectId())}
                  onConfirm={() =>
                    void props.act(`Unbound ${repository.full_name}.`, () => unbindRepository(projectId(), repository.id, { fetch: props.fetch }))
                  }
                />
              </Show>
            </li>
          )}
        </For>
      </ul>
      <form class="ops-form" data-testid="bind-repository" onSubmit={(event) => void bind(event)}>
        <fieldset class="ops-fieldset ops-inline-form" disabled={!props.allowed || busy()}>
          <input
            class="input mono ops-narrow"
            aria-label="GitHub repository id"
            placeholder="repository id"
            inputMode="numeric"
            data-testid="bind-external-id"
            value={externalId()}
            onInput={(event) => setExternalId(event.currentTarget.value)}
          />
          <input
            class="input"
            aria-label="Repository (owner/name)"
            placeholder="owner/name"
            data-testid="bind-full-name"
            value={fullName()}
            onInput={(event) => setFullName(event.currentTarget.value)}
          />
          <button type="submit" class="button" data-testid="bind-submit">
            Bind
          </button>
        </fieldset>
      </form>
      <FormErrors errors={errors()} testId="bind-errors" />
    </section>
  );
}

function Members(props: SectionProps) {
  const [login, setLogin] = createSignal('');
  const [role, setRole] = createSignal<ProjectRole>('read');
  const [errors, setErrors] = createSignal<string[]>([]);
  const [busy, setBusy] = createSignal(false);
  const projectId = (): string => props.project.id;

  async function add(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const name = login().trim().replace(/^@/, '');
    if (!LOGIN_PATTERN.test(name)) {
      setErrors(['login: a GitHub login (letters, digits and dashes)']);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      const member = await setMember(projectId(), name, role(), { fetch: props.fetch });
      setLogin('');
      await props.act(`@${member.login} is ${ROLE_LABELS[member.role]}.`, () => Promise.resolve());
    } catch (error) {
      props.log.warn('adding a member failed', { projectId: projectId(), error: String(error) });
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="ops-subsection" aria-label={`Members of ${props.project.name}`}>
      <h4 class="section-title">
        Members <span class="count">{props.project.members.length}</span>
      </h4>
      <ul class="ops-list">
        <For each={props.project.members} fallback={<li class="empty-line">No members.</li>}>
          {(member) => (
            <li class="ops-list-row" data-testid="member-row" data-login={member.login} data-role={member.role}>
              <span class="ops-wrap">@{member.login}</span>
              <span class="ops-row-actions">
                <select
                  class="input"
                  aria-label={`Role of @${member.login}`}
                  data-testid="member-role"
                  disabled={!props.allowed}
                  title={props.allowed ? undefined : (projectAdminHint(props.me, projectId()) ?? undefined)}
                  value={member.role}
                  onChange={(event) => {
                    const next = event.currentTarget.value as ProjectRole;
                    void props.act(`@${member.login} is ${ROLE_LABELS[next]}.`, async () => {
                      await setMember(projectId(), member.login, next, { fetch: props.fetch });
                    });
                  }}
                >
                  <For each={PROJECT_ROLES}>
                    {(option) => (
                      <option value={option} selected={option === member.role}>
                        {ROLE_LABELS[option]}
                      </option>
                    )}
                  </For>
                </select>
                <ConfirmAction
                  label="Remove"
                  question={`Remove @${member.login}?`}
                  confirmLabel="Remove"
                  danger
                  testId="member-remove"
                  disabled={!props.allowed}
                  disabledHint={projectAdminHint(props.me, projectId())}
                  onConfirm={() => void props.act(`Removed @${member.login}.`, () => removeMember(projectId(), member.login, { fetch: props.fetch }))}
                />
              </span>
            </li>
          )}
        </For>
      </ul>
      <form class="ops-form" data-testid="add-member" onSubmit={(event) => void add(event)}>
        <fieldset class="ops-fieldset ops-inline-form" disabled={!props.allowed || busy()}>
          <input
            class="input"
            aria-label="GitHub login"
            placeholder="GitHub login"
            autocomplete="off"
            data-testid="add-member-login"
            value={login()}
            onInput={(event) => setLogin(event.currentTarget.value)}
          />
          <select
            class="input"
            aria-label="Role"
            data-testid="add-member-role"
            value={role()}
            onChange={(event) => setRole(event.currentTarget.value as ProjectRole)}
          >
            <For each={PROJECT_ROLES}>{(option) => <option value={option}>{ROLE_LABELS[option]}</option>}</For>
          </select>
          <button type="submit" class="button" data-testid="add-member-submit">
            Add member
          </button>
        </fieldset>
      </form>
      <FormErrors errors={errors()} testId="member-errors" />
    </section>
  );
}
