/** The single Node the pod runner stands for, so `kubectl get nodes` and pod.spec.nodeName agree. */
import { randomUUID } from 'node:crypto';
import { toKubeTime } from './kube-object.ts';
import { NODES } from './resource-registry.ts';
import { nodeLabels } from './scheduler.ts';
import type { Store } from './store.ts';

export function ensureNode(store: Store, nodeName: string): void {
  if (store.get(NODES, '', nodeName)) {
    return;
  }
  const now = toKubeTime(new Date());
  store.put(NODES, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, uid: randomUUID(), creationTimestamp: now, labels: nodeLabels(nodeName) },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
      nodeInfo: { kubeletVersion: 'v1.32.0-kubesim', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'kubesim://1', kernelVersion: '', osImage: 'kubesim', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '' },
    },
  });
}
