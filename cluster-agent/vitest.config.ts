import { defineConfig } from 'vitest/config';

// STAGELINE_TEST_KUBECONFIG: the Kubernetes tests run against that real cluster
// (test/support/kubesim-cluster.ts). Files then share one cluster, so they run one
// at a time (an issue-close test must not see another file's namespaces), and pods
// that pull images get more time.
const realCluster = (process.env['STAGELINE_TEST_KUBECONFIG'] ?? '') !== '';

export default defineConfig({
  test: {
    name: 'cluster-agent',
    restoreMocks: true,
    testTimeout: realCluster ? 180_000 : 30_000,
    fileParallelism: !realCluster,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
