import { DEFAULT_LABEL_CATALOG, labelDefinitions, withLabelNames } from '@stageline/policy';
import { projects, repositories } from '@stageline/db';
import { eq } from 'drizzle-orm';
import { createRoute, z } from '@hono/zod-openapi';
import { isGitHubAppConfigured, readGitHubAppSettings } from '../env.ts';
import { createGitHubApp } from '../github/github-app.ts';
import { bootstrapLabels } from '../github/label-bootstrap.ts';
import { errorBody } from '../lib/http-error.ts';
import { errors, ErrorSchema, json, uuidParam } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { refuseUnless } from './staff-guard.ts';

const bootstrap = createRoute({
  method: 'post',
  path: '/api/v1/staff/repositories/{repositoryId}/labels/bootstrap',
  tags: ['projects'],
  summary: 'Create the missing Stageline labels in a bound repository (project admin)',
  security: SESSION_SECURITY,
  request: { params: z.object({ repositoryId: uuidParam('repositoryId') }) },
  responses: {
    200: json(z.object({ repository_id: z.string(), created: z.array(z.string()), updated: z.array(z.string()), kept: z.number().int() }), 'What was created, updated and kept'),
    412: json(ErrorSchema.extend({ errors: z.array(z.string()).optional() }), 'The App is not configured or installed, or the project label names are invalid'),
    503: json(ErrorSchema.extend({ created: z.array(z.string()).optional(), updated: z.array(z.string()).optional() }), 'GitHub did not answer; rerun to continue'),
    ...errors(400, 401, 403, 404),
  },
});

/**
 * Staff actions on a bound repository. Label bootstrap (docs/domain.md §2.1):
 * create the missing taxonomy labels now, e.g. after a failed onboarding or a
 * catalog change. Idempotent; needs `admin` on the repository's project.
 */
export const staffRepositories = staffRoutes().openapi(bootstrap, async (c) => {
  const { repositoryId } = c.req.valid('param');
  const [repo] = await c.var.db
    .select({ projectId: repositories.projectId, externalId: repositories.externalId, owner: repositories.owner, name: repositories.name, labelNames: projects.labelNames })
    .from(repositories)
    .innerJoin(projects, eq(projects.id, repositories.projectId))
    .where(eq(repositories.id, repositoryId))
    .limit(1);
  if (repo === undefined) {
    return c.json(errorBody('not_found', 'repository not found'), 404);
  }
  const refused = refuseUnless(c, repo.projectId, 'administer', 'repository');
  if (refused !== null) {
    return refused as never;
  }
  if (!isGitHubAppConfigured(c.env)) {
    return c.json(errorBody('failed_precondition', 'the GitHub App is not configured'), 412);
  }
  // The project's label names, as ingest matches them.
  const catalog = withLabelNames(DEFAULT_LABEL_CATALOG, repo.labelNames);
  if (!catalog.ok) {
    return c.json({ ...errorBody('failed_precondition', 'the project label names are invalid'), errors: catalog.error }, 412);
  }
  const log = c.var.log.with({ repositoryId });
  const { client } = createGitHubApp({ settings: readGitHubAppSettings(c.env), log, now: Date.now });
  const installation = await client.getRepoInstallation(repo.owner, repo.name);
  if (!installation.ok) {
    log.warn('label bootstrap: no installation', { error: installation.error.kind });
    return installation.error.kind === 'not_found'
      ? c.json(errorBody('failed_precondition', 'the GitHub App is not installed on this repository'), 412)
      : c.json(errorBody('unavailable', `GitHub did not answer (${installation.error.kind})`), 503);
  }
  const ref = { installationId: installation.value.id, repositoryId: repo.externalId, owner: repo.owner, repo: repo.name };
  const result = await bootstrapLabels(client, ref, labelDefinitions(catalog.value));
  log.info('labels bootstrapped by staff', { ok: result.ok, created: result.created.length, updated: result.updated.length });
  if (!result.ok) {
    return c.json({ ...errorBody('unavailable', `label bootstrap stopped (${result.error.kind}); rerun to continue`), created: result.created, updated: result.updated }, 503);
  }
  return c.json({ repository_id: repositoryId, created: result.created, updated: result.updated, kept: result.kept }, 200);
});
