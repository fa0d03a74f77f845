/**
 * Real webhook payloads from @octokit/webhooks-examples, rewritten to point at
 * the repository, installation, issue and sender a test seeded, so the edge's
 * tests can sign and send what GitHub actually sends.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Json = Record<string, unknown>;

interface ExampleGroup {
  name: string;
  examples: Json[];
}

let examples: ExampleGroup[] | undefined;

function loadExamples(): ExampleGroup[] {
  if (examples === undefined) {
    const file = createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json');
    examples = JSON.parse(readFileSync(file, 'utf8')) as ExampleGroup[];
  }
  return examples;
}

/** A deep copy of the first example payload of `event` (and `action`, when given). */
export function webhookExample(event: string, action?: string): Json {
  const group = loadExamples().find((g) => g.name === event);
  const example = group?.examples.find((e) => action === undefined || e.action === action);
  if (example === undefined) {
    throw new Error(`@octokit/webhooks-examples has no ${event}${action === undefined ? '' : `.${action}`} example`);
  }
  return structuredClone(example);
}

export interface AdaptTarget {
  repoId: number;
  /** `owner/name` */
  repoFullName: string;
  installationId: number;
  issueNumber?: number;
  sender: { login: string; type: 'User' | 'Bot'; id?: number };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies `fn` to every object in the tree and `text` to every string. */
function walk(node: unknown, fn: (obj: Json) => void, text: (s: string) => string): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => walk(item, fn, text));
  }
  if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      node[key] = walk(value, fn, text);
    }
    fn(node);
    return node;
  }
  return typeof node === 'string' ? text(node) : node;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites a payload in place and returns it: repository id/name/owner (and
 * every URL naming the old repository), installation id, the issue or pull
 * request number (and its URLs), and the sender wherever the old sender appears.
 */
export function adaptPayload<T extends Json>(payload: T, target: AdaptTarget): T {
  const repo = isObject(payload.repository) ? payload.repository : undefined;
  const oldFullName = typeof repo?.full_name === 'string' ? repo.full_name : undefined;
  const oldSender = isObject(payload.sender) && typeof payload.sender.login === 'string' ? payload.sender.login : undefined;
  const oldNumber = isObject(payload.issue) ? payload.issue.number : isObject(payload.pull_request) ? payload.pull_request.number : undefined;
  const [owner = '', name = ''] = target.repoFullName.split('/');
  const numberPattern = typeof oldNumber === 'number' && target.issueNumber !== undefined ? new RegExp(`/(issues|pull|pulls)/${oldNumber}(?![0-9])`, 'g') : undefined;
  const text = (s: string): string => {
    let out = oldFullName === undefined ? s : s.replace(new RegExp(escapeRegex(oldFullName), 'g'), target.repoFullName);
    if (numberPattern !== undefined) {
      out = out.replace(numberPattern, (_m, kind: string) => `/${kind}/${target.issueNumber}`);
    }
    return out;
  };
  walk(
    payload,
    (obj) => {
      if (oldSender !== undefined && obj.login === oldSender && 'type' in obj) {
        obj.login = target.sender.login;
        obj.type = target.sender.type;
        if (target.sender.id !== undefined) {
          obj.id = target.sender.id;
        }
      }
    },
    text,
  );
  if (repo !== undefined) {
    Object.assign(repo, { id: target.repoId, name, full_name: target.repoFullName });
    if (isObject(repo.owner)) {
      repo.owner.login = owner;
    }
  }
  Object.assign(payload, { installation: { ...(isObject(payload.installation) ? payload.installation : {}), id: target.installationId } });
  for (const key of ['issue', 'pull_request'] as const) {
    const item = payload[key];
    if (isObject(item) && target.issueNumber !== undefined) {
      item.number = target.issueNumber;
    }
  }
  return payload;
}
