/**
 * OpenAPI 3.0 schema objects -> JSON Schema for Ajv. The differences that
 * matter for GitHub's description: `nullable: true` (3.0 has no `type: null`),
 * and `$ref`s into `#/components/schemas`, which we point at per-component
 * Ajv ids so each component is compiled once and shared across operations.
 */
import type { JsonSchema } from './openapi-spec.ts';

export const SCHEMA_ID_PREFIX = 'https://github-fake.invalid/schemas/';

/** Keys that hold documentation or OpenAPI-only hints, not constraints. */
const DROPPED_KEYS = new Set(['example', 'examples', 'nullable', 'discriminator', 'xml', 'externalDocs', 'deprecated']);
/** Keys whose value is data, copied as is. */
const DATA_KEYS = new Set(['enum', 'default', 'const', 'required']);

export interface ConvertedSchema {
  schema: JsonSchema;
  /** Component names referenced directly; the caller registers them (and theirs) with Ajv. */
  refs: Set<string>;
}

export function convertSchema(input: unknown): ConvertedSchema {
  const refs = new Set<string>();
  const schema = convertNode(input, refs) as JsonSchema;
  return { schema, refs };
}

function convertNode(node: unknown, refs: Set<string>): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => convertNode(item, refs));
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-')) {
      continue;
    }
    if (key === '$ref' && typeof value === 'string') {
      const name = value.replace('#/components/schemas/', '');
      refs.add(name);
      out.$ref = SCHEMA_ID_PREFIX + name;
    } else if ((key === 'properties' || key === 'patternProperties') && typeof value === 'object' && value !== null) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, convertNode(sub, refs)]));
    } else if (DATA_KEYS.has(key)) {
      out[key] = value;
    } else {
      out[key] = convertNode(value, refs);
    }
  }
  return source.nullable === true ? makeNullable(out) : out;
}

function makeNullable(schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.type === 'string' && schema.$ref === undefined) {
    const enumValues = Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {};
    return { ...schema, type: [schema.type, 'null'], ...enumValues };
  }
  return { anyOf: [schema, { type: 'null' }] };
}
