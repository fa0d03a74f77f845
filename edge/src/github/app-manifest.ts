/**
 * The GitHub App manifest flow (docs: "Registering a GitHub App from a
 * manifest"): the operator's browser POSTs a form field `manifest` (JSON) to
 * `<github>/settings/apps/new?state=…` (or `/organizations/<org>/settings/
 * apps/new?state=…`); GitHub creates the App and redirects to `redirect_url`
 * with `?code=…&state=…`; the code (valid one hour, single use) is exchanged
 * at `POST /app-manifests/{code}/conversions` for the App id, slug, webhook
 * secret and private key. Pure parts here; routes/setup.ts does the I/O.
 */

/**
 * What Stageline needs: issues and PRs (comments, labels, reactions, the
 * status comment) and metadata (labels, collaborator permission). The
 * `installation` and `installation_repositories` events are delivered to
 * every App and cannot be subscribed to, so they are not listed.
 */
export const APP_PERMISSIONS = { issues: 'write', pull_requests: 'write', metadata: 'read' } as const;
export const APP_EVENTS = ['issues', 'issue_comment', 'pull_request', 'pull_request_review'] as const;

export interface AppManifest {
  name: string;
  url: string;
  description: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  /** Where GitHub sends a person back after "sign in with GitHub" (staff sign-in, routes/staff-auth.ts). */
  callback_urls: string[];
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
}

/** `origin` is this edge's public origin (https://stageline.example.com). */
export function buildAppManifest(input: { name: string; origin: string; homepage?: string | null }): AppManifest {
  return {
    name: input.name,
    url: input.homepage ?? input.origin,
    description: 'Stageline: issue labels start coding-agent runs in your cluster.',
    hook_attributes: { url: `${input.origin}/github/webhook`, active: true },
    redirect_url: `${input.origin}/setup/callback`,
    callback_urls: [`${input.origin}/auth/github/callback`],
    public: false,
    default_permissions: { ...APP_PERMISSIONS },
    default_events: [...APP_EVENTS],
  };
}

/**
 * The GitHub web origin for an API root: api.github.com → github.com;
 * GitHub Enterprise Server `https://HOST/api/v3` → `https://HOST`.
 */
export function githubWebOrigin(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') {
    return 'https://github.com';
  }
  return url.pathname.replace(/\/+$/, '').endsWith('/api/v3') ? url.origin : 'https://github.com';
}

const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** Where the form posts: the personal account, or an organization the operator owns. Null for a malformed org. */
export function manifestFormAction(webOrigin: string, organization: string | null, state: string): string | null {
  const q = `?state=${encodeURIComponent(state)}`;
  if (organization === null || organization === '') {
    return `${webOrigin}/settings/apps/new${q}`;
  }
  return ORG.test(organization) ? `${webOrigin}/organizations/${organization}/settings/apps/new${q}` : null;
}

const encoder = new TextEncoder();

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function hmac(key: string, data: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await crypto.subtle.sign('HMAC', k, encoder.encode(data)));
}

/** Constant-time string equality (lengths leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.byteLength !== y.byteLength) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < x.byteLength; i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

/** GitHub's manifest codes live one hour; so does the state. */
export const SETUP_STATE_TTL_MS = 3_600_000;

/** `nonce.expiresAt.hmac(key, nonce.expiresAt)`: proves the flow started on our page. */
export async function signSetupState(key: string, nonce: string, now: number): Promise<string> {
  const body = `${nonce}.${now + SETUP_STATE_TTL_MS}`;
  return `${body}.${await hmac(key, body)}`;
}

/** The state's nonce when the signature holds and it has not expired; null otherwise. */
export async function verifySetupState(key: string, state: string, now: number): Promise<string | null> {
  const m = /^([A-Za-z0-9_-]{16,64})\.(\d{1,15})\.([0-9a-f]{64})$/.exec(state);
  if (m === null) {
    return null;
  }
  const [, nonce = '', expires = '', sig = ''] = m;
  if (Number(expires) < now || !safeEqual(sig, await hmac(key, `${nonce}.${expires}`))) {
    return null;
  }
  return nonce;
}
