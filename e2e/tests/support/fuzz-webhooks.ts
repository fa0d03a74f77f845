/**
 * Mutated GitHub deliveries for e2e/tests/fuzz-webhooks.test.ts. Each case
 * starts from a valid payload of an event the edge reads (issues,
 * issue_comment, pull_request, pull_request_review, installation,
 * installation_repositories, ping), mutates it deterministically from
 * (seed, index) and says which answers the edge may give
 * (github-webhooks.ts: size, then signature, then headers, then JSON).
 */
import { createHmac } from 'node:crypto';
import { jsonDepthExceeds } from '../../../edge/src/lib/json-depth.ts';
import { labeledPayload } from '../../../tools/webhook.mjs';
import { NASTY_NUMBERS, NASTY_STRINGS, Rng } from './fuzz-random.ts';

/** edge/src/github/read-body.ts MAX_WEBHOOK_BYTES */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface WebhookTarget {
  repoId: number;
  repoFullName: string;
  installationId: number;
  sender: string;
  /** Issues #1…#issues exist on the fake GitHub. */
  issues: number;
  secret: string;
}

export interface WebhookCase {
  index: number;
  /** What was done to the valid delivery, for the failure message. */
  mutations: string[];
  event: string | undefined;
  delivery: string | undefined;
  /** Set when the delivery id reuses an earlier case's (a redelivery). */
  duplicateOf: number | null;
  signature: string | undefined;
  body: Uint8Array<ArrayBuffer>;
  /** Statuses the edge may answer; `readable` cases may also be told `duplicate`. */
  allowed: number[];
  /** Signed, headers valid, a JSON object: stored (2xx) or, for a redelivery of a stored one, `duplicate`. */
  readable: boolean;
}

/** The delivery id of case `index` (deterministic, so a redelivery can name an earlier one without generating it). */
export const deliveryIdOf = (seed: number, index: number): string => `fz-${seed.toString(16)}-${index}`;

const sign = (secret: string, body: Uint8Array): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function basePayload(rng: Rng, t: WebhookTarget): { event: string; payload: Record<string, Json> } {
  const issue = rng.int(1, t.issues);
  const repo = { id: t.repoId, full_name: t.repoFullName, name: t.repoFullName.split('/')[1] ?? 'app', private: false, fork: false, default_branch: 'main', owner: { login: t.repoFullName.split('/')[0] ?? 'o', id: 9919, type: 'Organization' } };
  const sender = { login: t.sender, id: 583231, type: 'User' };
  const installation = { id: t.installationId };
  const label = rng.pick(['run:dev', 'run:dev', 'run:plan', 'run:qa', 'run:review', 'need:input', 'bug', 'run:', 'run:dev:extra']);
  const kind = rng.pick(['labeled', 'labeled', 'labeled', 'unlabeled', 'closed', 'comment', 'pr', 'pr_labeled', 'pr_closed', 'review', 'installation', 'installation_repositories', 'ping']);
  switch (kind) {
    case 'labeled':
    case 'unlabeled': {
      const p = labeledPayload({ label, issue, repoId: t.repoId, repoFullName: t.repoFullName, senderLogin: t.sender, installationId: t.installationId }) as Record<string, Json>;
      return { event: 'issues', payload: { ...p, action: kind } };
    }
    case 'closed': {
      const p = labeledPayload({ label, issue, repoId: t.repoId, repoFullName: t.repoFullName, senderLogin: t.sender, installationId: t.installationId }) as Record<string, Json>;
      const { label: _label, ...rest } = p;
      return { event: 'issues', payload: { ...rest, action: 'closed', issue: { ...(p.issue as Record<string, Json>), state: 'closed' } } };
    }
    case 'comment':
      return {
        event: 'issue_comment',
        payload: {
          action: rng.pick(['created', 'edited', 'deleted']),
          issue: { id: 2345678900 + issue, number: issue, title: 'Fuzz', state: 'open', labels: [{ name: label }], html_url: `https://github.com/${t.repoFullName}/issues/${issue}` },
          comment: { id: rng.int(1, 1e9), body: rng.pick(['/stageline retry', 'looks good', '@stageline-dev[bot] please', '']), user: sender },
          repository: repo,
          sender,
          installation,
        },
      };
    case 'pr':
    case 'pr_labeled':
    case 'pr_closed':
      return {
        event: 'pull_request',
        payload: {
          action: kind === 'pr' ? rng.pick(['opened', 'synchronize', 'reopened']) : kind === 'pr_labeled' ? 'labeled' : 'closed',
          number: issue,
          ...(kind === 'pr_labeled' ? { label: { name: label } } : {}),
          pull_request: {
            id: 9000000 + issue,
            number: issue,
            title: 'Fuzz PR',
            state: kind === 'pr_closed' ? 'closed' : 'open',
            merged: kind === 'pr_closed' && rng.chance(0.5),
            html_url: `https://github.com/${t.repoFullName}/pull/${issue}`,
            updated_at: '2026-11-22T08:00:00Z',
            labels: [{ name: label }],
            head: { sha: 'a'.repeat(40), ref: `stageline/issue-${issue}` },
            base: { sha: 'b'.repeat(40), ref: 'main' },
          },
          repository: repo,
          sender,
          installation,
        },
      };
    case 'review':
      return {
        event: 'pull_request_review',
        payload: {
          action: 'submitted',
          review: { id: rng.int(1, 1e9), state: rng.pick(['approved', 'changes_requested', 'commented']), body: 'fuzz' },
          pull_request: { id: 9000000 + issue, number: issue, state: 'open', labels: [{ name: label }], head: { sha: 'a'.repeat(40) }, base: { ref: 'main' } },
          repository: repo,
          sender,
          installation,
        },
      };
    case 'installation':
      return { event: 'installation', payload: { action: rng.pick(['created', 'new_permissions_accepted', 'suspend']), installation: { id: t.installationId, account: { login: 'stageline-demo' } }, repositories: [{ id: t.repoId, full_name: t.repoFullName }], sender } };
    case 'installation_repositories':
      return { event: 'installation_repositories', payload: { action: 'added', installation, repositories_added: [{ id: t.repoId, full_name: t.repoFullName }], repositories_removed: [], sender } };
    default:
      return { event: 'ping', payload: { zen: 'Keep it logically awesome.', hook_id: rng.int(1, 1e6), hook: { type: 'App', events: ['issues'] }, sender } };
  }
}

/** Paths to every value in a JSON tree (objects and arrays), for picking a place to mutate. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 400) {
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): { parent: Record<string, Json> | Json[]; key: string | number } | null {
  let node: Json = root;
  for (const step of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') {
      return null;
    }
    node = (node as Record<string, Json>)[step as string] ?? null;
  }
  if (node === null || typeof node !== 'object') {
    return null;
  }
  const key = path[path.length - 1];
  return key === undefined ? null : { parent: node as Record<string, Json> | Json[], key };
}

/** The deepest nesting a fuzzed payload gets, counted from its root. */
const MAX_NESTING = 3000;

/** Nesting depth of a value, walked without recursion (the value may be thousands deep). */
function depthOf(value: Json): number {
  let deepest = 0;
  const stack: [Json, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [Json, number];
    if (v !== null && typeof v === 'object') {
      deepest = Math.max(deepest, d + 1);
      for (const child of Object.values(v)) {
        stack.push([child, d + 1]);
      }
    }
  }
  return deepest;
}

function nested(depth: number, leaf: Json, arrays: boolean): Json {
  let v = leaf;
  for (let i = 0; i < depth; i += 1) {
    v = arrays ? [v] : { n: v };
  }
  return v;
}

function otherTypeValue(rng: Rng, current: Json): Json {
  const choices: Json[] = [null, true, rng.pick(NASTY_NUMBERS), rng.pick(NASTY_STRINGS), [], {}, [current], { value: current }, 'run:dev', '1'];
  return rng.pick(choices.filter((c) => typeof c !== typeof current || Array.isArray(c) !== Array.isArray(current)));
}

/** Size classes of huge strings: mostly small enough to store, a few near, a very few past the cap. */
function hugeLength(rng: Rng): number {
  return rng.weighted<number>([
    [80, rng.int(10_000, 300_000)],
    [15, rng.int(300_000, 2_000_000)],
    [4, rng.int(2_000_000, 8_000_000)],
    [1, rng.int(MAX_WEBHOOK_BYTES + 1, MAX_WEBHOOK_BYTES + 2_000_000)],
  ]);
}

/** One mutation of the parsed payload, in place; returns its name. */
function mutateJson(rng: Rng, root: Record<string, Json>): string {
  const all = paths(root);
  const path = rng.pick(all);
  const at = parentOf(root, path);
  const where = path.join('.');
  if (at === null) {
    return 'noop';
  }
  const { parent, key } = at;
  const get = (): Json => (parent as Record<string, Json>)[key as string] ?? null;
  const set = (v: Json) => {
    (parent as Record<string, Json>)[key as string] = v;
  };
  const kind = rng.weighted<string>([
    [10, 'delete'],
    [14, 'wrong_type'],
    [4, 'deep'],
    [5, 'huge_string'],
    [10, 'nul'],
    [10, 'surrogate'],
    [6, 'unicode'],
    [8, 'number'],
    [5, 'array_for_object'],
    [5, 'nasty_key'],
    [3, 'proto_key'],
    [4, 'many_keys'],
  ]);
  switch (kind) {
    case 'delete':
      if (Array.isArray(parent)) {
        parent.splice(key as number, 1);
      } else {
        delete parent[key as string];
      }
      return `delete ${where}`;
    case 'wrong_type':
      set(otherTypeValue(rng, get()));
      return `wrong_type ${where}`;
    case 'deep': {
      // Clamped after the draw (the seed's stream stays the same): a second
      // 'deep' inside the first would nest past what JSON.stringify can walk
      // in this process (seed 1172441933 overflowed its stack at ~9,000).
      const drawn = rng.pick([50, 200, 1000, 3000]);
      const arrays = rng.chance(0.5);
      const depth = Math.min(drawn, MAX_NESTING - path.length - depthOf(get()));
      if (depth <= 0) {
        return `deep skipped ${where}`;
      }
      set(nested(depth, get(), arrays));
      return `deep ${depth} ${where}`;
    }
    case 'huge_string': {
      const n = hugeLength(rng);
      const unit = rng.pick(['x', 'é', '😀', '\\']);
      set(unit.repeat(Math.ceil(n / Buffer.byteLength(unit))));
      return `huge_string ~${n}B ${where}`;
    }
    case 'nul':
    case 'surrogate':
    case 'unicode': {
      const pool = kind === 'nul' ? ['\u0000', 'run:dev\u0000', '\u0000\u0000x'] : kind === 'surrogate' ? ['\ud800', '\udc00', 'run:\udbff', 'a\ud800\ud800b'] : NASTY_STRINGS.slice(5);
      const s = rng.pick(pool);
      const cur = get();
      set(typeof cur === 'string' && rng.chance(0.6) ? cur + s : s);
      return `${kind} ${where}`;
    }
    case 'number':
      set(rng.pick(NASTY_NUMBERS));
      return `number ${where}`;
    case 'array_for_object': {
      const cur = get();
      set(cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? Object.values(cur) : [cur]);
      return `array_for_object ${where}`;
    }
    case 'nasty_key':
    case 'proto_key': {
      const target = get();
      const obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : root;
      const k = kind === 'proto_key' ? rng.pick(['__proto__', 'constructor', 'prototype', 'toString']) : rng.pick(['\u0000', 'k\u0000', '\ud800', 'key\udfff', '', '😀', ' ', '\u2028']);
      (obj as Record<string, Json>)[k] = rng.pick<Json>([{ polluted: true }, 'x', 1, null]);
      return `${kind} ${JSON.stringify(k)} in ${where}`;
    }
    default: {
      const target = get();
      const obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : root;
      const n = rng.pick([500, 5000, 50_000]);
      for (let i = 0; i < n; i += 1) {
        (obj as Record<string, Json>)[`k${i}`] = i;
      }
      return `many_keys ${n} in ${where}`;
    }
  }
}

const encoder = new TextEncoder();
const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * Case `index`. Every ninth case is unsigned or wrongly signed (401); the
 * rest are signed with the webhook secret, so at least 8/9 of `count` cases
 * reach the edge's header and JSON checks.
 */
export function webhookCase(seed: number, index: number, t: WebhookTarget): WebhookCase {
  const rng = new Rng(seed, index);
  const { event: baseEvent, payload } = basePayload(rng, t);
  const mutations: string[] = [];
  let event: string | undefined = baseEvent;
  let delivery: string | undefined = deliveryIdOf(seed, index);
  let duplicateOf: number | null = null;
  let headersValid = true;

  // 1. The JSON value (most cases).
  const jsonMutations = rng.weighted<number>([
    [15, 0],
    [50, 1],
    [25, 2],
    [10, 3],
  ]);
  for (let i = 0; i < jsonMutations; i += 1) {
    mutations.push(mutateJson(rng, payload));
  }
  let text = JSON.stringify(payload);
  let body: Uint8Array<ArrayBuffer> = encoder.encode(text);
  let readable = true;

  // 2. The bytes: things GitHub never sends and the edge must refuse with 400 once signed.
  if (rng.chance(0.15)) {
    const kind = rng.pick(['empty', 'bom', 'truncated', 'not_object', 'invalid_utf8', 'whitespace', 'trailing_garbage', 'raw_surrogate_escape_key']);
    readable = false;
    switch (kind) {
      case 'empty':
        body = new Uint8Array(0);
        break;
      case 'bom':
        body = concat(new Uint8Array([0xef, 0xbb, 0xbf]), body);
        break;
      case 'truncated':
        body = body.slice(0, rng.int(0, Math.max(0, body.length - 1)));
        break;
      case 'not_object':
        body = encoder.encode(rng.pick(['[]', '[{"action":"labeled"}]', '42', '"issues"', 'null', 'true', '1e999']));
        break;
      case 'invalid_utf8':
        body = concat(body.slice(0, rng.int(0, body.length)), new Uint8Array([rng.pick([0xff, 0xc3, 0xed, 0xf8])]), body.slice(body.length - 1));
        break;
      case 'whitespace':
        body = encoder.encode(rng.pick([' ', '\n', '\t\r\n ']));
        break;
      case 'trailing_garbage':
        body = concat(body, encoder.encode(rng.pick(['}', ',', ' x', '\u0000'])));
        break;
      default:
        // Readable JSON whose key is an escaped lone surrogate: JSON text is fine, storage is not.
        body = encoder.encode(`{"\\ud800":1,${text.slice(1)}`);
        readable = true;
        break;
    }
    mutations.push(`body ${kind}`);
  }

  // 3. Headers.
  if (rng.chance(0.12)) {
    const kind = rng.pick(['no_event', 'bad_event', 'no_delivery', 'bad_delivery', 'unknown_event']);
    switch (kind) {
      case 'no_event':
        event = undefined;
        headersValid = false;
        break;
      case 'bad_event':
        event = rng.pick(['', 'Issues', 'issues!', 'issues.labeled', 'x'.repeat(65), '../issues', 'is sues']);
        headersValid = false;
        break;
      case 'no_delivery':
        delivery = undefined;
        headersValid = false;
        break;
      case 'bad_delivery':
        delivery = rng.pick(['', 'has space', 'x'.repeat(101), '../etc', 'a;b', 'ü']).replace('ü', '%C3%BC') + (rng.chance(0.5) ? '' : '!');
        headersValid = false;
        break;
      default:
        event = rng.pick(['zz_unknown', 'star', 'workflow_run', 'github_app_authorization']);
        break;
    }
    mutations.push(`header ${kind}`);
  }
  // A redelivery of an earlier case (at least two back, so with two in flight its answer is usually in).
  if (headersValid && index >= 4 && rng.chance(0.06)) {
    duplicateOf = rng.int(0, index - 3);
    delivery = deliveryIdOf(seed, duplicateOf);
    mutations.push(`duplicate_of ${duplicateOf}`);
  }

  // 4. The signature: every ninth case is not signed with our secret.
  let signature: string | undefined = sign(t.secret, body);
  let signed = true;
  if (index % 9 === 8) {
    signed = false;
    const kind = rng.pick(['missing', 'wrong_secret', 'tampered', 'sha1', 'empty', 'garbage', 'uppercase_prefix']);
    switch (kind) {
      case 'missing':
        signature = undefined;
        break;
      case 'wrong_secret':
        signature = sign(`${t.secret}x`, body);
        break;
      case 'tampered':
        signature = sign(t.secret, concat(body, encoder.encode(' ')));
        break;
      case 'sha1':
        signature = `sha1=${createHmac('sha1', t.secret).update(body).digest('hex')}`;
        break;
      case 'empty':
        signature = 'sha256=';
        break;
      case 'garbage':
        signature = `sha256=${'zz'.repeat(32)}`;
        break;
      default:
        signature = `SHA256=${'0'.repeat(64)}`;
        break;
    }
    mutations.push(`signature ${kind}`);
  }

  // The edge refuses JSON nested past 100 levels before parsing it (edge/src/routes/github-webhooks.ts).
  if (readable && jsonDepthExceeds(new TextDecoder().decode(body), 100)) {
    readable = false;
  }
  let allowed: number[];
  if (body.length > MAX_WEBHOOK_BYTES) {
    allowed = [413];
    readable = false;
  } else if (!signed) {
    allowed = [401];
    readable = false;
  } else if (!headersValid || !readable) {
    allowed = [400];
    readable = false;
  } else {
    // Stored and answered, or, for values storage cannot hold (NUL, lone surrogates, deep nesting), refused as unreadable.
    const unstorable = mutations.some((m) => /^(nul|surrogate|deep) /.test(m) || (m.startsWith('nasty_key') && /\\u0000|\\ud[89a-f]/.test(m)) || m === 'body raw_surrogate_escape_key');
    allowed = unstorable ? [200, 202, 400] : [200, 202];
  }
  return { index, mutations, event, delivery, duplicateOf, signature, body, allowed, readable };
}
