/**
 * Repository content as real bare git repositories under one root, one per
 * repository at `<root>/<owner>/<name>.git`: served over smart HTTP by
 * git-http.ts, read here for pull requests and the control surface. A
 * repository the REST side knows is an empty git repository until content is
 * seeded or pushed, like a new repository on GitHub.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCommandError, runGit } from './git-command.ts';
import type { RepoState } from './state.ts';

export interface CommitView {
  sha: string;
  message: string;
  author: { name: string; email: string };
  /** Paths the commit changed (all of them for a root commit). */
  files: string[];
}

export interface CommitContentInput {
  branch: string;
  /** Where a new branch starts; without it (or when it does not exist either) the commit has no parent. */
  from?: string;
  /** Files added or replaced on top of the parent's tree: path → UTF-8 text. */
  files: Record<string, string>;
  message: string;
}

export interface GitRepos {
  readonly root: string;
  /** The repository's directory relative to `root`, e.g. `acme/widgets.git`. */
  pathOf(repo: RepoState): string;
  /** Creates the bare repository when it is missing; resolves to its directory. */
  open(repo: RepoState): Promise<string>;
  /** Branch name → commit sha; empty for a repository nothing was seeded or pushed to. */
  branches(repo: RepoState): Promise<Record<string, string>>;
  /** Commits `files` as the branch's new tip; resolves to the commit sha. */
  commitContent(repo: RepoState, input: CommitContentInput): Promise<string>;
  setDefaultBranch(repo: RepoState, branch: string): Promise<void>;
  readFile(repo: RepoState, ref: string, path: string): Promise<string | null>;
  /** Newest first; empty for an unknown ref. */
  commits(repo: RepoState, ref: string): Promise<CommitView[]>;
  /** How many commits `head` has that `base` does not (GitHub's "No commits between" check). */
  countAhead(repo: RepoState, base: string, head: string): Promise<number>;
  close(): Promise<void>;
}

/** Seeded commits have a fixed identity and date, so the same files give the same sha on every run. */
const SEED_IDENT = 'github-fake <seed@github-fake.invalid> 1767225600 +0000';
const RECORD = '\u001e';
const FIELD = '\u001f';

function checkName(part: string): string {
  if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\\')) {
    throw new Error(`not a usable repository name part: ${JSON.stringify(part)}`);
  }
  return part;
}

/** fast-import takes the path verbatim up to the end of the line, so only plain relative paths are accepted. */
function checkPath(path: string): string {
  const segments = path.split('/');
  if (path.includes('\n') || path.startsWith('"') || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
    throw new Error(`not a usable file path: ${JSON.stringify(path)}`);
  }
  return path;
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Without `root`, a fresh temporary directory that `close()` removes. */
export async function createGitRepos(root?: string): Promise<GitRepos> {
  const owned = root === undefined;
  const dir = root ?? (await mkdtemp(join(tmpdir(), 'github-fake-git-')));
  await mkdir(dir, { recursive: true });
  const opening = new Map<string, Promise<string>>();
  const pathOf = (repo: RepoState): string => `${checkName(repo.owner.login)}/${checkName(repo.name)}.git`;
  const dirOf = (repo: RepoState): string => join(dir, pathOf(repo));
  const git = (repo: RepoState, args: readonly string[], input?: string): Promise<string> => runGit([`--git-dir=${dirOf(repo)}`, ...args], { input });
  /** Read-only look-ups do not create anything: an unseeded repository reads as empty. */
  const present = (repo: RepoState): Promise<boolean> => exists(join(dirOf(repo), 'HEAD'));

  const open = (repo: RepoState): Promise<string> => {
    const target = dirOf(repo);
    let pending = opening.get(target);
    if (pending === undefined) {
      pending = (async () => {
        if (!(await exists(join(target, 'HEAD')))) {
          await mkdir(target, { recursive: true });
          await runGit(['init', '--quiet', '--bare', `--initial-branch=${repo.defaultBranch}`, target]);
          // A push must not start a detached `git gc` that outlives the fake and races close().
          await runGit([`--git-dir=${target}`, 'config', 'gc.auto', '0']);
          await runGit([`--git-dir=${target}`, 'config', 'receive.autogc', 'false']);
        }
        return target;
      })();
      opening.set(target, pending);
      pending.catch(() => opening.delete(target));
    }
    return pending;
  };

  const branches = async (repo: RepoState): Promise<Record<string, string>> => {
    if (!(await present(repo))) {
      return {};
    }
    const out = await git(repo, ['for-each-ref', `--format=%(refname:strip=2)${FIELD}%(objectname)`, 'refs/heads']);
    return Object.fromEntries(out.split('\n').flatMap((line) => {
      const [name, sha] = line.split(FIELD);
      return name === undefined || sha === undefined ? [] : [[name, sha]];
    }));
  };

  return {
    root: dir,
    pathOf,
    open,
    branches,
    async commitContent(repo, input) {
      await open(repo);
      const ref = `refs/heads/${input.branch}`;
      const tips = await branches(repo);
      const parent = tips[input.branch] ?? (input.from === undefined ? undefined : tips[input.from]);
      const files = Object.entries(input.files)
        .map(([path, text]) => `M 100644 inline ${checkPath(path)}\n${data(text)}`)
        .join('');
      const stream = `commit ${ref}\nauthor ${SEED_IDENT}\ncommitter ${SEED_IDENT}\n${data(input.message)}${parent === undefined ? '' : `from ${parent}\n`}${files}\n`;
      await git(repo, ['fast-import', '--quiet', '--date-format=raw'], stream);
      return (await git(repo, ['rev-parse', '--verify', ref])).trim();
    },
    async setDefaultBranch(repo, branch) {
      await open(repo);
      await git(repo, ['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    },
    async readFile(repo, ref, path) {
      if (ref.startsWith('-') || !(await present(repo))) {
        return null;
      }
      try {
        return await git(repo, ['cat-file', 'blob', `${ref}:${path.replace(/^\/+/, '')}`]);
      } catch (err) {
        if (err instanceof GitCommandError) {
          return null;
        }
        throw err;
      }
    },
    async commits(repo, ref) {
      if (ref.startsWith('-') || !(await present(repo))) {
        return [];
      }
      let out: string;
      try {
        out = await git(repo, ['-c', 'core.quotePath=false', 'log', '--name-only', `--format=${RECORD}%H${FIELD}%an${FIELD}%ae${FIELD}%B${FIELD}`, ref, '--']);
      } catch (err) {
        if (err instanceof GitCommandError) {
          return [];
        }
        throw err;
      }
      return out
        .split(RECORD)
        .slice(1)
        .map((record) => {
          const [sha = '', name = '', email = '', message = '', names = ''] = record.split(FIELD);
          const files = names.split('\n').filter((line) => line.trim() !== '');
          return { sha, message: message.replace(/\n+$/, ''), author: { name, email }, files };
        });
    },
    async countAhead(repo, base, head) {
      return Number((await git(repo, ['rev-list', '--count', `${base}..${head}`])).trim());
    },
    async close() {
      if (owned) {
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
}
