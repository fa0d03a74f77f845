/**
 * The control surface's view of repository content: seeding a repository's
 * git content and reading branches, files and commits back, e.g. to check what
 * a client pushed. Every method answers with a promise (git runs as a process).
 */
import { repoByName } from './control-seed.ts';
import type { CommitView, GitRepos } from './git-repos.ts';
import type { FakeState } from './state.ts';

export interface SeedRepositoryContentInput {
  /** `owner/name` of a seeded repository. */
  repo: string;
  /** Files added or replaced on top of the branch's tree (the whole tree of a first commit): path → UTF-8 text. */
  files: Record<string, string>;
  /** Becomes the default branch (git HEAD and REST `default_branch`); default the current one, `main` for a new repository. */
  defaultBranch?: string;
  /** The branch committed to; default the default branch. A new branch starts at the default branch's tip. */
  branch?: string;
  /** Default `Initial commit`. */
  message?: string;
}

export interface GitControl {
  /**
   * One commit with a fixed author, committer and date, so the same content gives the same sha on
   * every run; on top of the branch's tip when it exists.
   */
  seedRepositoryContent(input: SeedRepositoryContentInput): Promise<{ branch: string; sha: string }>;
  /** Branch → sha of its tip. */
  branches(input: { repo: string }): Promise<Record<string, string>>;
  /** The file's text at `ref` (branch, tag or sha), or null when there is no such file or ref. */
  readFile(input: { repo: string; ref: string; path: string }): Promise<string | null>;
  /** Commits reachable from `ref`, newest first, with the paths each changed; empty for an unknown ref. */
  commits(input: { repo: string; ref: string }): Promise<CommitView[]>;
}

export function createGitControl(state: FakeState, git: GitRepos): GitControl {
  return {
    async seedRepositoryContent(input) {
      const repo = repoByName(state, input.repo);
      const defaultBranch = input.defaultBranch ?? repo.defaultBranch;
      const branch = input.branch ?? defaultBranch;
      repo.defaultBranch = defaultBranch;
      const sha = await git.commitContent(repo, { branch, from: defaultBranch, files: input.files, message: input.message ?? 'Initial commit' });
      await git.setDefaultBranch(repo, defaultBranch);
      return { branch, sha };
    },
    branches: ({ repo }) => git.branches(repoByName(state, repo)),
    readFile: ({ repo, ref, path }) => git.readFile(repoByName(state, repo), ref, path),
    commits: ({ repo, ref }) => git.commits(repoByName(state, repo), ref),
  };
}
