/**
 * Checks a request against its operation in GitHub's description: path and
 * query parameters (types, enums, required) and the JSON body. Failures are
 * answered as GitHub would (404 for a malformed path, 400 for unparseable
 * JSON, 422 otherwise) and reported to the caller as violations.
 */
import type { GitHubError } from './github-error.ts';
import { invalidRequest, notFound, problemsParsingJson } from './github-error.ts';
import type { JsonSchema, OpenApiSpec, OperationObject, ParameterObject, PathItem, ResponseObject } from './openapi-spec.ts';
import { resolveRef } from './openapi-spec.ts';
import type { SchemaValidators } from './schema-validators.ts';

export type ViolationKind = 'unknown-path' | 'wrong-method' | 'unimplemented' | 'invalid-path-param' | 'invalid-query' | 'invalid-json' | 'invalid-body' | 'invalid-response';

export type RequestCheck = { ok: true; body: unknown } | { ok: false; kind: ViolationKind; details: string[]; error: GitHubError };

function parametersOf(spec: OpenApiSpec, item: PathItem, operation: OperationObject): ParameterObject[] {
  const shared = Array.isArray(item.parameters) ? item.parameters : [];
  const merged = new Map<string, ParameterObject>();
  for (const raw of [...shared, ...(operation.parameters ?? [])]) {
    const p = resolveRef(spec, raw);
    merged.set(`${p.in}:${p.name}`, p);
  }
  return [...merged.values()];
}

function paramsSchema(params: ParameterObject[], where: 'path' | 'query'): JsonSchema {
  const selected = params.filter((p) => p.in === where);
  return {
    type: 'object',
    properties: Object.fromEntries(selected.map((p) => [p.name, p.schema ?? {}])),
    required: selected.filter((p) => p.required === true).map((p) => p.name),
  };
}

function bodySchema(spec: OpenApiSpec, operation: OperationObject): { schema: JsonSchema | undefined; required: boolean } | undefined {
  if (operation.requestBody === undefined) {
    return undefined;
  }
  const body = resolveRef(spec, operation.requestBody);
  return { schema: body.content?.['application/json']?.schema, required: body.required === true };
}

export function checkRequest(
  spec: OpenApiSpec,
  coercing: SchemaValidators,
  strict: SchemaValidators,
  input: { item: PathItem; operation: OperationObject; pathParams: Record<string, string>; query: URLSearchParams; bodyText: string },
): RequestCheck {
  const { item, operation } = input;
  const id = operation.operationId;
  const params = (): ParameterObject[] => parametersOf(spec, item, operation);
  const path = coercing.check(`${id} path`, () => paramsSchema(params(), 'path'), { ...input.pathParams });
  if (!path.ok) {
    return { ok: false, kind: 'invalid-path-param', details: path.errors, error: notFound() };
  }
  const query = coercing.check(`${id} query`, () => paramsSchema(params(), 'query'), Object.fromEntries(input.query));
  if (!query.ok) {
    return { ok: false, kind: 'invalid-query', details: query.errors, error: invalidRequest(query.errors) };
  }
  const declared = bodySchema(spec, operation);
  if (declared === undefined) {
    return { ok: true, body: undefined };
  }
  let body: unknown = undefined;
  if (input.bodyText.trim() !== '') {
    try {
      body = JSON.parse(input.bodyText);
    } catch (err) {
      return { ok: false, kind: 'invalid-json', details: [err instanceof Error ? err.message : String(err)], error: problemsParsingJson() };
    }
  } else if (declared.required) {
    // GitHub reads a missing body as an empty object and then reports the missing fields.
    body = {};
  } else {
    return { ok: true, body: undefined };
  }
  const checked = strict.check(`${id} body`, () => declared.schema, body);
  if (!checked.ok) {
    return { ok: false, kind: 'invalid-body', details: checked.errors, error: invalidRequest(checked.errors) };
  }
  return { ok: true, body };
}

/** Errors in one of the fake's own responses; an undocumented status is one too. */
export function checkResponse(spec: OpenApiSpec, strict: SchemaValidators, operation: OperationObject, status: number, body: unknown): string[] {
  const declared = operation.responses[String(status)];
  if (declared === undefined) {
    return [`status ${status} is not documented for ${operation.operationId}`];
  }
  const response = resolveRef<ResponseObject>(spec, declared);
  const schema = response.content?.['application/json']?.schema;
  if (schema === undefined) {
    return [];
  }
  return strict.check(`${operation.operationId} response ${status}`, () => schema, body).errors;
}
