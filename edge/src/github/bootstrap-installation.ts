/**
 * Onboarding of the repositories an `installation.created` or
 * `installation_repositories.added` delivery names: each repository's labels
 * are listed now and the missing taxonomy labels are queued in the
 * installation's GitHubOutbox, which paces them under GitHub's content-write
 * limit (an installation of many repositories means hundreds of creates) and
 * retries them. A failed listing is logged; the staff endpoint
 * (`POST /api/v1/staff/repositories/:id/labels/bootstrap`) reruns it.
 * The labels carry the names of the project that claims the installation
 * (`projects.label_names` over the default catalog), as ingest matches them.
 */
import { DEFAULT_LABEL_CATALOG, labelDefinitions, withLabelNames } from '@stageline/policy';
import { isGitHubAppConfigured, readGitHubAppSettings } from '../env.ts';
import type { Logger } from '../lib/log.ts';
import { createGitHubApp } from './github-app.ts';
import { githubOutboxOf } from '../composition/durable-objects.ts';
import { queueLabelBootstrap } from './label-bootstrap.ts';

export type GitHubAppEnv = Pick<Env, 'GITHUB_APP_ID' | 'GITHUB_APP_PRIVATE_KEY' | 'GITHUB_API_URL' | 'GITHUB_OUTBOX'>;

export interface InstalledRepositories {
  installationId: number;
  repositories: readonly { id: number; fullName: string }[];
  /** The claiming project's label names; empty: the default names. */
  labelNames: Readonly<Record<string, string>>;
}

export async function bootstrapInstalledRepositories(env: GitHubAppEnv, input: InstalledRepositories, log: Logger): Promise<void> {
  if (!isGitHubAppConfigured(env)) {
    log.warn('label bootstrap skipped: the GitHub App is not configured', { installationId: input.installationId });
    return;
  }
  const catalog = withLabelNames(DEFAULT_LABEL_CATALOG, input.labelNames);
  if (!catalog.ok) {
    // Ingest starts nothing under a broken configuration either; the staff endpoint reruns the bootstrap once it is fixed.
    log.warn('label bootstrap skipped: the project label names are invalid', { installationId: input.installationId, errors: catalog.error.length });
    return;
  }
  const { client } = createGitHubApp({ settings: readGitHubAppSettings(env), log, now: Date.now });
  const definitions = labelDefinitions(catalog.value);
  const outbox = githubOutboxOf(env, input.installationId);
  for (const repository of input.repositories) {
    const [owner = '', repo = ''] = repository.fullName.split('/');
    const fields = { installationId: input.installationId, repositoryId: repository.id };
    try {
      const result = await queueLabelBootstrap(client, { installationId: input.installationId, repositoryId: repository.id, owner, repo }, definitions, (writes) => outbox.enqueue(input.installationId, writes));
      if (result.ok) {
        log.info('label bootstrap queued', { ...fields, queued: result.queued, kept: result.kept });
      } else {
        log.warn('label bootstrap failed', { ...fields, error: result.error.kind });
      }
    } catch (error) {
      log.error('label bootstrap not queued', { ...fields, error });
    }
  }
}
