declare namespace Cloudflare {
  interface Env {
    TEST_CLUSTER_TOKEN: string;
    TEST_CLUSTER_ID: string;
    TEST_REPO_EXTERNAL_ID: number;
    TEST_DATABASE_KIND: 'postgres' | 'pglite';
    TEST_GITHUB_APP_PRIVATE_KEY_PKCS8: string;
  }
}
