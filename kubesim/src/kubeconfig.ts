/** The kubeconfig clients use to reach the simulator (YAML; JSON strings are valid YAML scalars). */

export function renderKubeconfig(server: string, token: string): string {
  const q = (value: string): string => JSON.stringify(value);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubesim',
    '  cluster:',
    `    server: ${q(server)}`,
    // The certificate is self-signed per run; client-node also needs this for http:// servers.
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: kubesim',
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    '- name: kubesim',
    '  context:',
    '    cluster: kubesim',
    '    user: kubesim',
    '    namespace: default',
    'current-context: kubesim',
    'preferences: {}',
    '',
  ].join('\n');
}
