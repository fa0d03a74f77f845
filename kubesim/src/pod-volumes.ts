/**
 * A pod's volumes on the simulated node. A container here is a local process,
 * so it cannot see its mounts at their real paths; each pod gets a private
 * root directory instead, with every `emptyDir` and `secret` volume created at
 * `<root><mountPath>`, and the process is told the root in `KUBESIM_FS_ROOT`
 * (programs that read mounted files, such as the runner, resolve pod paths
 * against it). Secret items are written as the kubelet projects them: one
 * file per key (or per `items` entry), with the volume's mode.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import { SECRETS } from './resource-registry.ts';
import type { Store } from './store.ts';

type Json = Record<string, unknown>;

export const FS_ROOT_ENV = 'KUBESIM_FS_ROOT';

function under(root: string, mountPath: string): string {
  const resolved = path.join(root, path.normalize(`/${mountPath}`));
  if (!resolved.startsWith(root)) {
    throw new Error(`mount path escapes the pod root: ${mountPath}`);
  }
  return resolved;
}

function writeSecret(store: Store, namespace: string, volume: Json, dir: string): void {
  const source = isRecord(volume['secret']) ? volume['secret'] : {};
  const secret = store.get(SECRETS, namespace, String(source['secretName'] ?? ''));
  const data = secret && isRecord(secret['data']) ? secret['data'] : {};
  const mode = typeof source['defaultMode'] === 'number' ? source['defaultMode'] : 0o644;
  const items = Array.isArray(source['items']) ? source['items'].filter(isRecord) : Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data[String(item['key'] ?? '')];
    if (typeof value !== 'string') {
      continue;
    }
    const file = under(dir, String(item['path'] ?? item['key']));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from(value, 'base64'));
    // Owner read at least: the simulated container runs as this user, not as the pod's runAsUser.
    chmodSync(file, mode | 0o400);
  }
}

/** Create the pod's root with its container's mounts; returns the root. */
export function mountVolumes(store: Store, pod: KubeObject, container: Json, workDir: string): string {
  const root = path.join(workDir, 'fs', pod.metadata.namespace ?? '', pod.metadata.name ?? '');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const volumes = new Map((Array.isArray(spec['volumes']) ? spec['volumes'].filter(isRecord) : []).map((v) => [String(v['name'] ?? ''), v]));
  const mounts = Array.isArray(container['volumeMounts']) ? container['volumeMounts'].filter(isRecord) : [];
  for (const mount of mounts) {
    const volume = volumes.get(String(mount['name'] ?? ''));
    const dir = under(root, String(mount['mountPath'] ?? ''));
    mkdirSync(dir, { recursive: true });
    if (volume !== undefined && isRecord(volume['secret'])) {
      writeSecret(store, pod.metadata.namespace ?? '', volume, dir);
    }
  }
  return root;
}

/** The process's working directory: the container's `workingDir` under the root when it is mounted there. */
export function workingDirIn(root: string, container: Json, fallback: string): string {
  const wd = typeof container['workingDir'] === 'string' ? container['workingDir'] : '';
  return wd === '' ? fallback : under(root, wd);
}
