import { generateKeyPairSync } from 'node:crypto';
import { seedProject, startDatabase } from '@stageline/db/dev';
import { adaptPayload, startFakeGitHub, webhookExample } from '@stageline/github-fake';
import { startFakeTelegram } from '@stageline/telegram-fake';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    wsProxy: string;
    databaseUrl: string;
    webhookSecret: string;
    clusterToken: string;
    clusterId: string;
    repoExternalId: number;
    databaseKind: 'postgres' | 'pglite';
    githubApiUrl: string;
    githubAppId: string;
    githubAppPrivateKey: string;
    githubAppPrivateKeyPkcs8: string;
    telegramApiUrl: string;
    telegramToken: string;
    /** Real payloads from @octokit/webhooks-examples, adapted to the seeded repository (key: `event.action`). */
    webhookExamples: Record<string, Record<string, unknown>>;
  }
}

/** True under CI (`.ci/run` exports CI=true), where every test must run. */
const onCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Real PostgreSQL 15 when its binaries exist, else PGlite; TEST_DB forces one.
 * In CI PostgreSQL is required (unless TEST_DB=pglite asks for the PGlite pass):
 * the concurrency tests run only on it, and a CI without it must fail here,
 * not pass with those tests skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = process.env.TEST_DB === 'pglite' ? 'pglite' : process.env.TEST_DB === 'postgres' || onCi ? 'postgres' : 'auto';
  const db = await startDatabase({ kind }).catch((error: unknown) => {
    if (kind !== 'postgres') {
      throw error;
    }
    throw new Error(
      `edge tests need PostgreSQL${onCi ? ' in CI' : ''} (the concurrency tests run only on it) and could not start it; ` +
        'install it (Debian: apt-get install -y postgresql) or set PG_BIN; TEST_DB=pglite runs the suite on PGlite without those tests',
      { cause: error },
    );
  });
  const seed = { clusterId: 'c-test', clusterToken: 'test-cluster-token-0123456789abcdef', projectSlug: 'test', repoFullName: 'octo-org/app', repoExternalId: 700001 };
  await seedProject(db.url, seed);
  process.stdout.write(`edge tests use ${db.kind} at ${db.url}\n`);
  project.provide('wsProxy', db.wsProxy);
  project.provide('databaseUrl', db.url);
  project.provide('webhookSecret', 'test-webhook-secret');
  project.provide('clusterToken', seed.clusterToken);
  project.provide('clusterId', seed.clusterId);
  project.provide('repoExternalId', seed.repoExternalId);
  project.provide('databaseKind', db.kind === 'postgres' ? 'postgres' : 'pglite');
  // The fake GitHub verifies App JWTs against this key; the edge gets the
  // private half as PKCS#1, the format GitHub hands out.
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const github = await startFakeGitHub({ appId: 4242, appPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  // The seeded repository on GitHub: installation 44001 (as in fixtures/issues.labeled.json), octocat may write.
  github.seedInstallation({ id: 44001, account: 'octo-org', repositories: [{ id: seed.repoExternalId, full_name: seed.repoFullName }] });
  github.setPermission({ repo: seed.repoFullName, user: 'octocat', permission: 'write' });
  project.provide('githubApiUrl', github.url);
  const target = { repoId: seed.repoExternalId, repoFullName: seed.repoFullName, installationId: 44001, issueNumber: 7, sender: { login: 'octocat', type: 'User' as const } };
  const examples = ['issues.labeled', 'issues.unlabeled', 'issue_comment.created', 'pull_request.labeled', 'pull_request_review.submitted', 'installation.created', 'installation_repositories.added'];
  project.provide('webhookExamples', Object.fromEntries(examples.map((key) => {
    const [event = '', action] = key.split('.');
    return [key, adaptPayload(webhookExample(event, action), target)];
  })));
  project.provide('githubAppId', '4242');
  project.provide('githubAppPrivateKey', keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  project.provide('githubAppPrivateKeyPkcs8', keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const telegram = await startFakeTelegram();
  project.provide('telegramApiUrl', telegram.url);
  project.provide('telegramToken', telegram.token);
  return async () => {
    await telegram.close();
    await github.close();
    await db.stop();
  };
}
