import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../src/index.ts';
import type { GitClient } from './git-client.ts';
import { createGitClient } from './git-client.ts';
import type { Harness } from './harness.ts';
import { INSTALLATION_ID, OTHER_REPO, REPO, startHarness } from './harness.ts';

const EMPTY_REPO = 'acme/empty';
const FOREIGN_REPO = 'acme/secret';
const SEED_FILES = { 'README.md': '# Widgets\n', 'src/index.ts': 'export {};\n' };

let h: Harness;
let client: GitClient;
let seeded: string;
beforeAll(async () => {
  h = await startHarness();
  h.gh.seedInstallation({
    id: INSTALLATION_ID,
    account: 'acme',
    repositories: [
      { id: 501, full_name: REPO },
      { id: 502, full_name: OTHER_REPO },
      { id: 504, full_name: EMPTY_REPO },
    ],
  });
  // Another installation's repository: a token of ours does not reach it.
  h.gh.seedInstallation({ id: 78, account: 'acme', repositories: [{ id: 503, full_name: FOREIGN_REPO }] });
  seeded = (await h.gh.seedRepositoryContent({ repo: REPO, files: SEED_FILES })).sha;
  await h.gh.seedRepositoryContent({ repo: FOREIGN_REPO, files: SEED_FILES });
  client = await createGitClient();
});
afterAll(async () => {
  await h.gh.close();
  await client.remove();
});
beforeEach(() => {
  h.gh.clearObservations();
});

const basic = (token: string, user = 'x-access-token'): string => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

async function gitGet(path: string, auth?: string): Promise<{ status: number; text: string; challenge: string | null; type: string | null }> {
  const res = await fetch(`${h.gh.url}${path}`, { headers: auth === undefined ? {} : { authorization: auth } });
  return { status: res.status, text: await res.text(), challenge: res.headers.get('www-authenticate'), type: res.headers.get('content-type') };
}

const advertisement = (repo: string, service: 'git-upload-pack' | 'git-receive-pack'): string => `/${repo}.git/info/refs?service=${service}`;

describe('seeded repository content', () => {
  it('commits with a fixed identity and date (same files, same sha); the branch becomes the default, in git and REST', async () => {
    const other = await h.gh.seedRepositoryContent({ repo: OTHER_REPO, files: SEED_FILES, defaultBranch: 'trunk' });
    expect(other).toEqual({ branch: 'trunk', sha: seeded });
    expect(await h.gh.branches({ repo: OTHER_REPO })).toEqual({ trunk: seeded });
    expect(await h.gh.commits({ repo: OTHER_REPO, ref: 'trunk' })).toEqual([
      { sha: seeded, message: 'Initial commit', author: { name: 'github-fake', email: 'seed@github-fake.invalid' }, files: ['README.md', 'src/index.ts'] },
    ]);
    expect(await h.gh.readFile({ repo: OTHER_REPO, ref: 'trunk', path: 'src/index.ts' })).toBe('export {};\n');
    expect(await h.gh.readFile({ repo: OTHER_REPO, ref: 'trunk', path: 'missing.txt' })).toBeNull();
    expect(await h.gh.readFile({ repo: OTHER_REPO, ref: 'no-such-branch', path: 'README.md' })).toBeNull();
    const token = await h.mintToken({ repositories: ['gadgets'] });
    const { stdout } = await client.git(['ls-remote', '--symref', client.remote(h.gh.url, OTHER_REPO, token), 'HEAD']);
    expect(stdout).toContain('ref: refs/heads/trunk\tHEAD');
    const minted = await h.call<{ repositories: { default_branch: string }[] }>('POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, { auth: `Bearer ${h.jwt()}`, body: { repositories: ['gadgets'] } });
    expect(minted.body.repositories[0]?.default_branch).toBe('trunk');
  });

  it('seeds more commits on top, and a new branch from the default branch', async () => {
    const docs = await h.gh.seedRepositoryContent({ repo: REPO, branch: 'docs', files: { 'docs/guide.md': 'Read me.\n' }, message: 'Add a guide' });
    const commits = await h.gh.commits({ repo: REPO, ref: 'docs' });
    expect(commits.map((c) => [c.message, c.files])).toEqual([
      ['Add a guide', ['docs/guide.md']],
      ['Initial commit', ['README.md', 'src/index.ts']],
    ]);
    expect(commits[0]?.sha).toBe(docs.sha);
    expect(await h.gh.readFile({ repo: REPO, ref: 'docs', path: 'README.md' })).toBe('# Widgets\n');
    expect(await h.gh.branches({ repo: REPO })).toEqual({ main: seeded, docs: docs.sha });
    expect(await h.gh.commits({ repo: REPO, ref: 'no-such-branch' })).toEqual([]);
  });

  it('refuses content for a repository no installation has', async () => {
    await expect(h.gh.seedRepositoryContent({ repo: 'nobody/nothing', files: { a: 'b' } })).rejects.toThrow('unknown repository nobody/nothing');
  });
});

describe('git over smart HTTP', () => {
  it('clones with an installation token and pushes a branch the control surface then reads', async () => {
    const token = await h.mintToken();
    await client.git(['clone', '--quiet', client.remote(h.gh.url, REPO, token), 'widgets']);
    const work = join(client.dir, 'widgets');
    await writeFile(join(work, 'src', 'fix.ts'), 'export const fixed = true;\n');
    await client.git(['add', '.'], work);
    await client.git(['commit', '--quiet', '-m', 'Fix the widget'], work);
    await client.git(['push', '--quiet', 'origin', 'HEAD:refs/heads/agent/fix'], work);
    const branches = await h.gh.branches({ repo: REPO });
    expect(branches.main).toBe(seeded);
    const [pushed] = await h.gh.commits({ repo: REPO, ref: 'agent/fix' });
    expect(pushed).toEqual({ sha: branches['agent/fix'], message: 'Fix the widget', author: { name: 'Agent Smith', email: 'agent@example.com' }, files: ['src/fix.ts'] });
    expect(await h.gh.readFile({ repo: REPO, ref: 'agent/fix', path: 'src/fix.ts' })).toBe('export const fixed = true;\n');
  });

  it('logs each git request like an API request, never with the token', async () => {
    const token = await h.mintToken();
    await client.git(['ls-remote', client.remote(h.gh.url, REPO, token)]);
    const log = h.gh.requests().filter((r) => r.path.startsWith(`/${REPO}.git/`));
    // git asks anonymously first and retries with the credentials after the 401.
    expect(log.map((r) => [r.method, r.path, r.status, r.tokenKind, r.installationId])).toEqual(
      expect.arrayContaining([
        ['GET', advertisement(REPO, 'git-upload-pack'), 401, 'none', null],
        ['GET', advertisement(REPO, 'git-upload-pack'), 200, 'installation', INSTALLATION_ID],
      ]),
    );
    expect(JSON.stringify(h.gh.requests())).not.toContain(token);
    expect(h.gh.violations()).toEqual([]);
  });

  it('serves the path without .git too, with any username', async () => {
    const token = await h.mintToken();
    const { stdout } = await client.git(['ls-remote', client.remote(h.gh.url, REPO, token, { suffix: '', user: 'whoever' }), 'refs/heads/main']);
    expect(stdout).toBe(`${seeded}\trefs/heads/main\n`);
  });

  it('a repository with nothing seeded clones empty and takes a first push', async () => {
    const token = await h.mintToken();
    const remote = client.remote(h.gh.url, EMPTY_REPO, token);
    expect((await client.git(['ls-remote', remote])).stdout).toBe('');
    await client.git(['init', '--quiet', '--initial-branch=main', 'fresh']);
    const work = join(client.dir, 'fresh');
    await writeFile(join(work, 'hello.txt'), 'hello\n');
    await client.git(['add', '.'], work);
    await client.git(['commit', '--quiet', '-m', 'First'], work);
    await client.git(['push', '--quiet', remote, 'main'], work);
    expect(Object.keys(await h.gh.branches({ repo: EMPTY_REPO }))).toEqual(['main']);
    expect(await h.gh.readFile({ repo: EMPTY_REPO, ref: 'main', path: 'hello.txt' })).toBe('hello\n');
  });
});

describe('git authentication', () => {
  it('answers 401 with a Basic challenge without credentials or with an unknown token', async () => {
    const anonymous = await gitGet(advertisement(REPO, 'git-upload-pack'));
    expect(anonymous).toMatchObject({ status: 401, challenge: 'Basic realm="GitHub"' });
    const unknown = await gitGet(advertisement(REPO, 'git-upload-pack'), basic('ghs_madeup'));
    expect(unknown).toMatchObject({ status: 401, challenge: 'Basic realm="GitHub"' });
    // A REST-style header is not how git authenticates.
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), `token ${await h.mintToken()}`)).status).toBe(401);
    await expect(client.git(['ls-remote', client.remote(h.gh.url, REPO, 'ghs_madeup')])).rejects.toThrow(/Authentication failed/);
    expect(h.gh.requests().filter((r) => r.status === 401).map((r) => r.tokenKind)).toEqual(['none', 'invalid', 'none', 'none', 'invalid']);
  });

  it('answers 404 for a repository that does not exist', async () => {
    const res = await gitGet(advertisement('acme/nothing', 'git-upload-pack'), basic(await h.mintToken()));
    expect(res).toMatchObject({ status: 404, text: 'Repository not found.\n' });
  });

  it('answers 403 when the token does not cover the repository', async () => {
    const narrowed = await h.mintToken({ repositories: ['gadgets'] });
    expect(await gitGet(advertisement(REPO, 'git-upload-pack'), basic(narrowed))).toMatchObject({ status: 403, text: `Permission to ${REPO}.git denied to stageline[bot].\n` });
    const foreign = await gitGet(advertisement(FOREIGN_REPO, 'git-upload-pack'), basic(await h.mintToken()));
    expect(foreign.status).toBe(403);
  });

  it('needs contents read to fetch and contents write to push', async () => {
    const reader = await h.mintToken({ permissions: { contents: 'read' } });
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(reader))).status).toBe(200);
    expect((await gitGet(advertisement(REPO, 'git-receive-pack'), basic(reader))).status).toBe(403);
    await client.git(['clone', '--quiet', client.remote(h.gh.url, REPO, reader), 'read-only']);
    const work = join(client.dir, 'read-only');
    await client.git(['commit', '--quiet', '--allow-empty', '-m', 'Not allowed'], work);
    await expect(client.git(['push', 'origin', 'HEAD:refs/heads/sneaky'], work)).rejects.toThrow(/denied to stageline\[bot\]/);
    expect(await h.gh.branches({ repo: REPO })).not.toHaveProperty('sneaky');
    const issuesOnly = await h.mintToken({ permissions: { issues: 'write' } });
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(issuesOnly))).status).toBe(403);
  });

  it('refuses an expired token with 401', async () => {
    const token = await h.mintToken();
    h.clock.now += 3600_000;
    try {
      expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(token))).status).toBe(401);
    } finally {
      h.clock.now -= 3600_000;
    }
  });

  it('refuses dumb HTTP and wrong methods without counting them as REST violations', async () => {
    const auth = basic(await h.mintToken());
    expect((await gitGet(`/${REPO}.git/info/refs`, auth)).status).toBe(403);
    expect((await gitGet(`/${REPO}.git/git-upload-pack`, auth)).status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });
});

describe('revoking an installation token', () => {
  it('DELETE /installation/token answers 204; the token then fails on REST and git, other tokens work', async () => {
    const token = await h.mintToken();
    const other = await h.mintToken();
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(token))).status).toBe(200);
    expect((await h.call('DELETE', '/installation/token', { auth: `token ${token}` })).status).toBe(204);
    expect(await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${token}` })).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(token))).status).toBe(401);
    expect((await h.call('DELETE', '/installation/token', { auth: `token ${token}` })).status).toBe(401);
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${other}` })).status).toBe(200);
    expect((await gitGet(advertisement(REPO, 'git-upload-pack'), basic(other))).status).toBe(200);
    expect(h.gh.violations()).toEqual([]);
  });
});

describe('where repositories live', () => {
  it('uses gitRoot as given and keeps it; the temporary default is removed on close', async () => {
    const root = await mkdtemp(join(tmpdir(), 'github-fake-root-'));
    try {
      const kept = await startFakeGitHub({ gitRoot: root });
      kept.seedInstallation({ id: 1, account: 'acme', repositories: [{ id: 9, full_name: REPO }] });
      await kept.seedRepositoryContent({ repo: REPO, files: { a: 'b' } });
      await kept.close();
      await access(join(root, `${REPO}.git`, 'HEAD'));
      const temporary = await startFakeGitHub();
      await access(temporary.gitRoot);
      await temporary.close();
      await expect(access(temporary.gitRoot)).rejects.toThrow();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
