/** core/v1 Events, as the controllers record them for `kubectl describe` and `kubectl get events`. */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from './kube-object.ts';
import { toKubeTime } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { EVENTS } from './resource-registry.ts';
import type { Store } from './store.ts';
import { createObject } from './object-write.ts';

export interface EventInput {
  resource: ResourceType;
  object: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
}

export function recordEvent(store: Store, input: EventInput): void {
  const { object, resource } = input;
  const now = toKubeTime(new Date());
  const namespace = object.metadata.namespace || 'default';
  const body = {
    metadata: { name: `${object.metadata.name ?? ''}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: { apiVersion: resource.apiVersion, kind: resource.kind, name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion },
    reason: input.reason,
    message: input.message,
    type: input.type,
    source: { component: input.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: input.component,
    reportingInstance: '',
  };
  try {
    createObject(store, EVENTS, namespace, body);
  } catch {
    // Events are best effort, as in client-go's recorder: a terminating
    // namespace rejects them and nothing depends on them existing.
  }
}
