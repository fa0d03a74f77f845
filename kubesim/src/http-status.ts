/**
 * metav1.Status failures exactly as kube-apiserver words them
 * (k8s.io/apimachinery/pkg/api/errors). Handlers throw ApiError; the server
 * turns it into the JSON body in one place.
 */
import type { ResourceType } from './resource-registry.ts';
import { qualifiedKind, qualifiedResource } from './resource-registry.ts';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly status: StatusBody;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) {
      this.status.details = details;
    }
  }
}

/** Details name the *resource* (plural) in `kind`, a long-standing apiserver quirk. */
function resourceDetails(resource: ResourceType, name: string): StatusDetails {
  return resource.group ? { name, group: resource.group, kind: resource.plural } : { name, kind: resource.plural };
}

export function notFound(resource: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, resourceDetails(resource, name));
}

export function alreadyExists(resource: ResourceType, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(resource)} "${name}" already exists`, resourceDetails(resource, name));
}

export function conflict(resource: ResourceType, name: string, why: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${why}`;
  return new ApiError(409, 'Conflict', message, resourceDetails(resource, name));
}

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

export function forbidden(resource: ResourceType, name: string, why: string, causes?: StatusCause[]): ApiError {
  const details = resourceDetails(resource, name);
  if (causes) {
    details.causes = causes;
  }
  return new ApiError(403, 'Forbidden', `${qualifiedResource(resource)} "${name}" is forbidden: ${why}`, details);
}

export interface FieldError {
  field: string;
  /** `Invalid value: "x": why`, `Required value: why`, `Unsupported value: ...` */
  detail: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueTypeInvalid';
}

export function invalid(resource: ResourceType, name: string, errors: readonly FieldError[]): ApiError {
  const parts = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  const message = `${qualifiedKind(resource)} "${name}" is invalid: ${summary}`;
  const causes = errors.map((e) => ({ reason: e.reason ?? 'FieldValueInvalid', message: e.detail, field: e.field }));
  const details: StatusDetails = { name, kind: resource.kind, causes };
  if (resource.group) {
    details.group = resource.group;
  }
  return new ApiError(422, 'Invalid', message, details);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unknownPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);
}

export function expired(requested: string, oldest: number): ApiError {
  return new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** What a successful immediate DELETE returns for most resources (store.finalizeDelete). */
export function deletedStatus(resource: ResourceType, name: string, uid: string | undefined): Record<string, unknown> {
  const details: StatusDetails = { ...resourceDetails(resource, name) };
  if (uid) {
    details.uid = uid;
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
