/**
 * Compiled Ajv validators for request parameters, request bodies and the fake's
 * own responses, built lazily per operation and cached for the process.
 * Component schemas are registered with Ajv on first reference only, so a run
 * that touches ten operations compiles only what those ten need.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { convertSchema, SCHEMA_ID_PREFIX } from './openapi-schema.ts';
import type { JsonSchema, OpenApiSpec } from './openapi-spec.ts';

export interface SchemaCheck {
  ok: boolean;
  errors: string[];
}

export interface SchemaValidators {
  /** `key` names the cache entry, e.g. `issues/create-comment body`; `build` runs once per key. */
  check(key: string, build: () => JsonSchema | undefined, data: unknown): SchemaCheck;
}

function createAjv(coerceTypes: boolean): Ajv {
  // strict off: the description carries OpenAPI-only keywords and formats Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes, validateSchema: false });
  addFormats(ajv as unknown as Parameters<typeof addFormats>[0]);
  return ajv;
}

export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === 'required') {
      return `"${String(e.params.missingProperty)}" wasn't supplied.`;
    }
    const where = e.instancePath === '' ? 'the root' : `'${e.instancePath}'`;
    return `For ${where}, ${e.message ?? 'the value is invalid'}.`;
  });
}

export function createSchemaValidators(spec: OpenApiSpec, opts: { coerceTypes: boolean }): SchemaValidators {
  const ajv = createAjv(opts.coerceTypes);
  const registered = new Set<string>();
  const cache = new Map<string, ValidateFunction | undefined>();

  const register = (names: Iterable<string>): void => {
    const pending = [...names];
    while (pending.length > 0) {
      const name = pending.pop() ?? '';
      if (registered.has(name)) {
        continue;
      }
      registered.add(name);
      const component = spec.components.schemas[name];
      if (component === undefined) {
        throw new Error(`schema component ${name} is missing from the description`);
      }
      const { schema, refs } = convertSchema(component);
      ajv.addSchema({ ...schema, $id: SCHEMA_ID_PREFIX + name });
      pending.push(...refs);
    }
  };

  const compile = (build: () => JsonSchema | undefined): ValidateFunction | undefined => {
    const raw = build();
    if (raw === undefined) {
      return undefined;
    }
    const { schema, refs } = convertSchema(raw);
    register(refs);
    return ajv.compile(schema);
  };

  return {
    check(key, build, data) {
      if (!cache.has(key)) {
        cache.set(key, compile(build));
      }
      const validate = cache.get(key);
      if (validate === undefined || validate(data)) {
        return { ok: true, errors: [] };
      }
      return { ok: false, errors: formatErrors(validate.errors) };
    },
  };
}
