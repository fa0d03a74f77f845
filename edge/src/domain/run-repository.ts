import { parseRunSpec } from '@stageline/policy';
import type { RunSpecRow } from '../db/run-token-repo.ts';
import type { RepoRef } from '../github/github-client.ts';

/** The run's repository as the App's client addresses it; null when the payload names no installation. */
export function repoOfRun(row: Pick<RunSpecRow, 'runPayload'>): RepoRef | null {
  const parsed = parseRunSpec(row.runPayload);
  if (!parsed.ok || parsed.value.installation_id === null || parsed.value.repository === null) {
    return null;
  }
  const [owner = '', repo = ''] = parsed.value.repository.full_name.split('/');
  return { installationId: parsed.value.installation_id, repositoryId: parsed.value.repository.id, owner, repo };
}
