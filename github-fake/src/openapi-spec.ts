/**
 * GitHub's published OpenAPI description (via @octokit/openapi), loaded once
 * per process. We read the 13 MB non-dereferenced file and resolve `$ref`s only
 * for the operations a request actually hits: the dereferenced variant is 73 MB
 * and would make every start of the fake slow.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type JsonSchema = Record<string, unknown>;

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface Ref {
  $ref: string;
}

export interface MediaType {
  schema?: JsonSchema;
}

export interface ResponseObject {
  content?: Record<string, MediaType>;
}

export interface OperationObject {
  operationId: string;
  parameters?: (ParameterObject | Ref)[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> } | Ref;
  responses: Record<string, ResponseObject | Ref>;
}

export type PathItem = Record<string, OperationObject | (ParameterObject | Ref)[] | string | undefined>;

export interface OpenApiSpec {
  openapi: string;
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, ParameterObject>;
    responses: Record<string, ResponseObject>;
  };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

let cached: OpenApiSpec | undefined;

export function loadSpec(): OpenApiSpec {
  if (cached === undefined) {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    cached = JSON.parse(readFileSync(file, 'utf8')) as OpenApiSpec;
  }
  return cached;
}

export function isRef(value: unknown): value is Ref {
  return typeof value === 'object' && value !== null && typeof (value as { $ref?: unknown }).$ref === 'string';
}

/** Follows a local `#/components/<kind>/<name>` pointer (the only kind the GitHub description uses). */
export function resolveRef<T>(spec: OpenApiSpec, value: T | Ref): T {
  if (!isRef(value)) {
    return value;
  }
  const [, , kind, name] = value.$ref.split('/');
  const bucket = (spec.components as Record<string, Record<string, unknown>>)[kind ?? ''];
  const target = bucket?.[name ?? ''];
  if (target === undefined) {
    throw new Error(`unresolvable $ref ${value.$ref}`);
  }
  return resolveRef(spec, target as T | Ref);
}
