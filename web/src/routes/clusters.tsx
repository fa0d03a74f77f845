/**
 * Clusters (`/clusters`, docs/domain.md §8.3): the clusters of the person's
 * projects (all for a platform admin), their agent instances (live, versions,
 * heartbeat) and the slots their runs hold. Platform admins register a
 * cluster and rotate its agent token.
 *
 * A minted token is shown once: it lives only in this page's memory, is never
 * logged, and is gone when the person dismisses it or leaves the page.
 */
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { FormErrors } from '../components/form-errors.tsx';
import { RelativeTime } from '../components/relative-time.tsx';
import { PLATFORM_ADMIN_HINT } from '../lib/ops-access.ts';
import { CLUSTER_ID_PATTERN, fetchClusters, registerCluster, rotateClusterToken, type Cluster, type ClusterToken } from '../lib/ops-api.ts';
import { messagesOf } from '../lib/staff-request.ts';
import { startVisiblePoll, type VisibilityTarget } from '../lib/visible-poll.ts';
import type { ScreenProps } from './ops-routes.tsx';
import { EmptyRow, OpsHead } from '../components/ops-table.tsx';

export const CLUSTERS_REFRESH_MS = 15_000;
export const TOKEN_WARNING =
  'This token is shown only once. Copy it now into the cluster-agent’s Helm value clusterToken; the console cannot show it again.';

export type ClustersPageProps = ScreenProps & { document?: VisibilityTarget };

type Minted = ClusterToken & { kind: 'registered' | 'rotated' };

export function ClustersPage(props: ClustersPageProps) {
  const admin = (): boolean => props.me.platform_admin;
  const [clusters, setClusters] = createSignal<Cluster[] | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [now, setNow] = createSignal(new Date());
  const [minted, setMinted] = createSignal<Minted | null>(null);
  const [formErrors, setFormErrors] = createSignal<string[]>([]);
  const [actionError, setActionError] = createSignal<string | null>(null);
  const [registering, setRegistering] = createSignal(false);
  const [rotating, setRotating] = createSignal<string | null>(null);
  const [newId, setNewId] = createSignal('');
  const [newName, setNewName] = createSignal('');
  let generation = 0;

  async function load(): Promise<void> {
    const started = ++generation;
    try {
      const next = await fetchClusters({ fetch: props.fetch });
      if (started === generation) {
        setClusters(next);
        setLoadError(null);
        setNow(new Date());
      }
    } catch (error) {
      props.log.warn('loading clusters failed', { error: String(error) });
      if (started === generation) {
        setLoadError(messagesOf(error).join(' '));
      }
    }
  }

  onMount(() => {
    const stop = startVisiblePoll(() => void load(), CLUSTERS_REFRESH_MS, props.document ?? document);
    onCleanup(stop);
  });

  function showToken(token: Minted): void {
    setMinted(token);
    // The token field takes focus with its text selected: Ctrl+C copies it at once.
    queueMicrotask(() => document.getElementById('cluster-token-value')?.focus());
  }

  async function register(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const id = newId().trim();
    if (!CLUSTER_ID_PATTERN.test(id)) {
      setFormErrors(['Cluster id: lower-case letters, digits and dashes, starting with a letter or digit, at most 63.']);
      return;
    }
    setRegistering(true);
    setFormErrors([]);
    try {
      const token = await registerCluster({ id, name: newName() }, { fetch: props.fetch });
      props.log.info('cluster registered', { clusterId: token.id });
      setNewId('');
      setNewName('');
      showToken({ ...token, kind: 'registered' });
      await load();
    } catch (error) {
      props.log.warn('registering a cluster failed', { clusterId: id, error: String(error) });
      setFormErrors(messagesOf(error));
    } finally {
      setRegistering(false);
    }
  }

  async function rotate(cluster: Cluster): Promise<void> {
    setRotating(cluster.id);
    setActionError(null);
    try {
      const token = await rotateClusterToken(cluster.id, { fetch: props.fetch });
      props.log.info('cluster token rotated', { clusterId: cluster.id });
      showToken({ ...token, name: token.name ?? cluster.name, kind: 'rotated' });
    } catch (error) {
      props.log.warn('rotating a cluster token failed', { clusterId: cluster.id, error: String(error) });
      setActionError(`${cluster.id}: ${messagesOf(error).join(' ')}`);
    } finally {
      setRotating(null);
    }
  }

  return (
    <section class="page ops-screen" aria-labelledby="clusters-title">
      <div class="ops-head">
        <h2 id="clusters-title" class="page-title">
          Clusters
        </h2>
      </div>

      <Show when={minted()}>
        {(token) => (
          <section class="ops-panel ops-token" data-testid="cluster-token" data-cluster-id={token().id} aria-labelledby="cluster-token-title">
            <h3 id="cluster-token-title" class="ops-token-title">
              {token().kind === 'registered' ? 'Cluster registered' : 'Token rotated'}: {token().id}
            </h3>
            <p class="ops-warning" role="alert">
              {TOKEN_WARNING}
              <Show when={token().kind === 'rotated'}> The old token has stopped working.</Show>
            </p>
            <TokenField token={token().token} />
            <button type="button" class="button" data-testid="cluster-token-dismiss" onClick={() => setMinted(null)}>
              I have stored it — hide the token
            </button>
          </section>
        )}
      </Show>

      <section class="ops-panel" aria-labelledby="register-cluster-title">
        <h3 id="register-cluster-title" class="section-title">
          Register a cluster
        </h3>
        <form class="ops-form ops-form-row" data-testid="register-cluster" onSubmit={(event) => void register(event)}>
          <fieldset class="ops-fieldset" disabled={!admin() || registering()}>
            <label class="ops-field">
              <span>Cluster id</span>
              <input
                class="input mono"
                name="id"
                required
                pattern={CLUSTER_ID_PATTERN.source.slice(1, -1)}
                maxLength={63}
                placeholder="prod-eu-1"
                autocomplete="off"
                value={newId()}
                onInput={(event) => setNewId(event.currentTarget.value)}
                data-testid="register-cluster-id"
              />
            </label>
            <label class="ops-field">
              <span>Name (optional)</span>
              <input
                class="input"
                name="name"
                maxLength={100}
                placeholder="Production, EU"
                value={newName()}
                onInput={(event) => setNewName(event.currentTarget.value)}
                data-testid="register-cluster-name"
              />
            </label>
            <button type="submit" class="button button-primary" data-testid="register-cluster-submit">
              {registering() ? 'Registering…' : 'Register and mint token'}
            </button>
          </fieldset>
        </form>
        <Show when={!admin()}>
          <p class="hint" data-testid="register-cluster-hint">
            {PLATFORM_ADMIN_HINT} Registering a cluster and minting its token is for platform admins.
          </p>
        </Show>
        <FormErrors errors={formErrors()} testId="register-cluster-errors" />
      </section>

      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load clusters: {message()}
          </p>
        )}
      </Show>
      <Show when={actionError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert" data-testid="cluster-action-error">
            {message()}
          </p>
        )}
      </Show>

      <div class="ops-cards">
        <For
          each={clusters() ?? []}
          fallback={<p class="empty-line">{clusters() === null ? 'Loading clusters…' : 'No clusters yet.'}</p>}
        >
          {(cluster) => (
            <article class="ops-card" data-testid="cluster-card" data-cluster-id={cluster.id} data-online={String(cluster.online)}>
              <header class="ops-card-head">
                <div>
                  <h3 class="ops-card-title">{cluster.name}</h3>
                  <span class="mono ops-sub">{cluster.id}</span>
                </div>
                <span class="ops-state" data-state={cluster.online ? 'online' : 'offline'}>
                  {cluster.online ? 'Online' : 'Offline'}
                </span>
              </header>
              <dl class="facts">
                <div>
                  <dt>Slots in use</dt>
                  <dd data-testid="cluster-slots">{cluster.runs_holding_slots}</dd>
                </div>
                <div>
                  <dt>Last seen</dt>
                  <dd>
                    <RelativeTime iso={cluster.last_seen_at} now={now()} />
                  </dd>
                </div>
                <div>
                  <dt>Registered</dt>
                  <dd>
                    <RelativeTime iso={cluster.created_at} now={now()} />
                  </dd>
                </div>
                <div>
                  <dt>Projects</dt>
                  <dd>{cluster.projects.length === 0 ? 'none' : cluster.projects.map((project) => project.slug).join(', ')}</dd>
                </div>
              </dl>
              <table class="ops-table ops-instances">
                <caption class="visually-hidden">Agent instances of {cluster.id}</caption>
                <OpsHead columns={['Agent instance', 'State', 'Agent version', 'Protocol', 'Connected', 'Heartbeat', 'Connections']} />
                <tbody>
                  <For
                    each={cluster.instances}
                    fallback={
                      <EmptyRow columns={7}>No agent has connected yet.</EmptyRow>
                    }
                  >
                    {(instance) => (
                      <tr data-testid="cluster-instance" data-live={String(instance.live)}>
                        <th scope="row" class="mono ops-wrap">
                          {instance.instance_id}
                        </th>
                        <td>
                          <span class="ops-state" data-state={instance.live ? 'online' : 'offline'}>
                            {instance.live ? 'Live' : 'Gone'}
                          </span>
                        </td>
                        <td class="mono">{instance.agent_version}</td>
                        <td class="mono">{instance.protocol_version}</td>
                        <td>
                          <RelativeTime iso={instance.connected_at} now={now()} />
                        </td>
                        <td>
                          <RelativeTime iso={instance.heartbeat_at} now={now()} />
                        </td>
                        <td>{instance.connections}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <div class="ops-card-actions">
                <ConfirmAction
                  label="Rotate token"
                  question={`Mint a new token for ${cluster.id}? Its agents stop authenticating until they get it.`}
                  confirmLabel="Rotate now"
                  danger
                  testId="rotate-token"
                  disabled={!admin()}
                  disabledHint={PLATFORM_ADMIN_HINT}
                  busy={rotating() === cluster.id}
                  onConfirm={() => void rotate(cluster)}
                />
                <Show when={!admin()}>
                  <span class="hint">{PLATFORM_ADMIN_HINT}</span>
                </Show>
              </div>
            </article>
          )}
        </For>
      </div>
    </section>
  );
}

/** The token in a read-only field, with a copy button that falls back to selecting it. */
function TokenField(props: { token: string }) {
  const [copied, setCopied] = createSignal<'copied' | 'select' | null>(null);
  let input: HTMLInputElement | undefined;

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.token);
      setCopied('copied');
    } catch {
      // No clipboard permission (or not a secure context): select it for Ctrl+C.
      input?.select();
      setCopied('select');
    }
  }

  return (
    <div class="ops-token-field">
      <label class="visually-hidden" for="cluster-token-value">
        Agent token
      </label>
      <input
        id="cluster-token-value"
        class="input mono"
        readOnly
        value={props.token}
        data-testid="cluster-token-value"
        ref={(element) => {
          input = element;
        }}
        onFocus={(event) => event.currentTarget.select()}
      />
      <button type="button" class="button button-primary" data-testid="cluster-token-copy" onClick={() => void copy()}>
        Copy
      </button>
      <span class="hint" role="status">
        {copied() === 'copied' ? 'Copied to the clipboard.' : copied() === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </span>
    </div>
  );
}
