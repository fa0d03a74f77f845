/**
 * Schema validation of rendered objects through kubernetes-models (the same
 * classes kubesim validates with). Kinds outside this table are errors: the
 * chart's default render must contain nothing a plain cluster cannot accept.
 */
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { KubeObject } from './helm.ts';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: never): { validate(): void };
}

const MODELS: readonly ModelClass[] = [Secret, Service, ServiceAccount, Deployment, CronJob, PodDisruptionBudget, ClusterRole, ClusterRoleBinding];

/** Throws when the object's apiVersion/kind has no model or the object violates its schema. */
export function validateWithModel(obj: KubeObject): void {
  const Model = MODELS.find((m) => m.apiVersion === obj.apiVersion && m.kind === obj.kind);
  if (!Model) {
    throw new Error(`no kubernetes-models class for ${obj.apiVersion} ${obj.kind} (${obj.metadata.name})`);
  }
  try {
    // The models' constructors take their own plain shape; the rendered object is that shape or fails validate().
    new Model(obj as never).validate();
  } catch (error) {
    throw new Error(`${obj.kind} ${obj.metadata.name} fails its schema`, { cause: error });
  }
}
