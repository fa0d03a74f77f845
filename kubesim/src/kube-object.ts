/**
 * The shape every stored object shares. Kind-specific fields stay `unknown`
 * here; controllers narrow them with the kubernetes-models interfaces after
 * the object has passed schema validation.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kubernetes timestamps (metav1.Time) have second precision. */
export function toKubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC3339Nano as the kubelet prints it in `kubectl logs --timestamps`. */
export function toKubeNanoTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function objectName(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

export function objectNamespace(obj: KubeObject): string {
  return obj.metadata.namespace ?? '';
}

/** Owner reference marked controller: true, which is how controllers find what they own. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** 5 lowercase alphanumerics, the suffix the API server appends for generateName. */
export function randomSuffix(length = 5): string {
  // The real generator avoids vowels and look-alike digits so names never spell words.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < length; i++) {
    out += alphabet[Math.floor(Math.random() * alphabet.length)] ?? 'x';
  }
  return out;
}
