// Idempotent seed of one project, one repository and one cluster, used by
// `npm start`, the e2e tests and the benchmarks.
import { createHash } from 'node:crypto';
import pg from 'pg';

export function hashToken(token) {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * @param {string} url
 * @param {{ clusterId: string, clusterToken: string, projectSlug: string, repoFullName: string, repoExternalId: number }} s
 * @returns {Promise<{ projectId: string, repositoryId: string }>}
 */
export async function seedProject(url, s) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO clusters (id, name, agent_token_hash) VALUES ($1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET agent_token_hash = EXCLUDED.agent_token_hash`,
      [s.clusterId, hashToken(s.clusterToken)],
    );
    const project = await client.query(
      `INSERT INTO projects (slug, name, cluster_id) VALUES ($1, $1, $2)
       ON CONFLICT (slug) DO UPDATE SET cluster_id = EXCLUDED.cluster_id RETURNING id`,
      [s.projectSlug, s.clusterId],
    );
    const projectId = project.rows[0].id;
    const [owner, name] = s.repoFullName.split('/');
    const repo = await client.query(
      `INSERT INTO repositories (project_id, external_id, owner, name, full_name) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, external_id) DO UPDATE SET project_id = EXCLUDED.project_id RETURNING id`,
      [projectId, s.repoExternalId, owner, name, s.repoFullName],
    );
    // Console roles (docs/domain.md §8.1) by GitHub login, e.g. the demo staff of `npm start`.
    for (const member of s.members ?? []) {
      await client.query(
        `INSERT INTO project_members (project_id, github_login, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, github_login) DO UPDATE SET role = EXCLUDED.role`,
        [projectId, member.login.toLowerCase(), member.role],
      );
    }
    return { projectId, repositoryId: repo.rows[0].id };
  } finally {
    await client.end();
  }
}
