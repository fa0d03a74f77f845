/**
 * A container's environment and argv as the kubelet builds them: envFrom,
 * env with value / secretKeyRef / configMapKeyRef / fieldRef, and $(VAR)
 * expansion in values, command and args. A missing Secret or key is the
 * kubelet's CreateContainerConfigError.
 */
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { CONFIGMAPS, SECRETS } from './resource-registry.ts';
import type { Store } from './store.ts';

export type EnvResult = { kind: 'ok'; env: Record<string, string> } | { kind: 'error'; message: string };

type Json = Record<string, unknown>;

class ConfigError extends Error {}

/** `$(NAME)` becomes the variable's value when defined; `$$` escapes a dollar. */
export function expandVars(input: string, env: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) {
      return '$';
    }
    return env[name] ?? match;
  });
}

function readData(store: Store, resource: ResourceType, namespace: string, name: string): Record<string, string> | undefined {
  const obj = store.get(resource, namespace, name);
  if (!obj) {
    return undefined;
  }
  const data = isRecord(obj['data']) ? obj['data'] : {};
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    decoded[key] = resource === SECRETS ? Buffer.from(String(value), 'base64').toString('utf8') : String(value);
  }
  return decoded;
}

function keyRef(store: Store, namespace: string, ref: Json, resource: ResourceType): string | undefined {
  const name = String(ref['name'] ?? '');
  const key = String(ref['key'] ?? '');
  const optional = ref['optional'] === true;
  const data = readData(store, resource, namespace, name);
  const label = resource === SECRETS ? 'secret' : 'configmap';
  if (!data) {
    if (optional) {
      return undefined;
    }
    throw new ConfigError(`${label} "${name}" not found`);
  }
  if (data[key] === undefined) {
    if (optional) {
      return undefined;
    }
    throw new ConfigError(`couldn't find key ${key} in ${resource === SECRETS ? 'Secret' : 'ConfigMap'} ${namespace}/${name}`);
  }
  return data[key];
}

function fieldRef(pod: KubeObject, path: string): string {
  const annotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (annotation) {
    const map = annotation[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[annotation[2] ?? ''] ?? '';
  }
  let cursor: unknown = pod;
  for (const part of path.split('.')) {
    cursor = isRecord(cursor) ? cursor[part] : undefined;
  }
  return cursor === undefined ? '' : String(cursor);
}

function applyEnvFrom(store: Store, namespace: string, container: Json, env: Record<string, string>): void {
  const sources = Array.isArray(container['envFrom']) ? container['envFrom'].filter(isRecord) : [];
  for (const source of sources) {
    const prefix = typeof source['prefix'] === 'string' ? source['prefix'] : '';
    const ref = isRecord(source['secretRef']) ? source['secretRef'] : isRecord(source['configMapRef']) ? source['configMapRef'] : undefined;
    if (!ref) {
      continue;
    }
    const resource = isRecord(source['secretRef']) ? SECRETS : CONFIGMAPS;
    const name = String(ref['name'] ?? '');
    const data = readData(store, resource, namespace, name);
    if (!data && ref['optional'] !== true) {
      throw new ConfigError(`${resource === SECRETS ? 'secret' : 'configmap'} "${name}" not found`);
    }
    for (const [key, value] of Object.entries(data ?? {})) {
      env[`${prefix}${key}`] = value;
    }
  }
}

function envValue(store: Store, pod: KubeObject, entry: Json, env: Record<string, string>): string | undefined {
  const namespace = pod.metadata.namespace ?? '';
  if (typeof entry['value'] === 'string') {
    return expandVars(entry['value'], env);
  }
  const from = isRecord(entry['valueFrom']) ? entry['valueFrom'] : undefined;
  if (isRecord(from?.['secretKeyRef'])) {
    return keyRef(store, namespace, from['secretKeyRef'], SECRETS);
  }
  if (isRecord(from?.['configMapKeyRef'])) {
    return keyRef(store, namespace, from['configMapKeyRef'], CONFIGMAPS);
  }
  if (isRecord(from?.['fieldRef'])) {
    return fieldRef(pod, String(from['fieldRef']['fieldPath'] ?? ''));
  }
  return from ? undefined : '';
}

/** The container-defined variables (not the base environment of the process). */
export function resolveContainerEnv(store: Store, pod: KubeObject, container: Json): EnvResult {
  const env: Record<string, string> = {};
  try {
    applyEnvFrom(store, pod.metadata.namespace ?? '', container, env);
    const entries = Array.isArray(container['env']) ? container['env'].filter(isRecord) : [];
    for (const entry of entries) {
      const value = envValue(store, pod, entry, env);
      if (value !== undefined) {
        env[String(entry['name'] ?? '')] = value;
      }
    }
    return { kind: 'ok', env };
  } catch (err) {
    if (err instanceof ConfigError) {
      return { kind: 'error', message: err.message };
    }
    throw err;
  }
}

/** argv for the local process: command + args with $(VAR) expanded; empty when no command is set. */
export function containerArgv(container: Json, env: Record<string, string>): string[] {
  const command = Array.isArray(container['command']) ? container['command'].map(String) : [];
  const args = Array.isArray(container['args']) ? container['args'].map(String) : [];
  return command.length === 0 ? [] : [...command, ...args].map((part) => expandVars(part, env));
}
