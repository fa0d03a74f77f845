import { describe, expect, it } from 'vitest';
import { createRouter } from '../src/openapi-router.ts';
import { convertSchema, SCHEMA_ID_PREFIX } from '../src/openapi-schema.ts';
import { loadSpec } from '../src/openapi-spec.ts';

describe('convertSchema (OpenAPI 3.0 -> JSON Schema)', () => {
  it.each([
    ['nullable scalar', { type: 'string', nullable: true }, { type: ['string', 'null'] }],
    ['nullable enum keeps null allowed', { type: 'string', enum: ['a'], nullable: true }, { type: ['string', 'null'], enum: ['a', null] }],
    ['nullable without type', { allOf: [{ $ref: '#/components/schemas/x' }], nullable: true }, { anyOf: [{ allOf: [{ $ref: `${SCHEMA_ID_PREFIX}x` }] }, { type: 'null' }] }],
    ['documentation keys dropped, property names kept', { type: 'object', example: 1, 'x-github': {}, properties: { example: { type: 'integer' } } }, { type: 'object', properties: { example: { type: 'integer' } } }],
  ])('%s', (_name, input, expected) => {
    expect(convertSchema(input).schema).toEqual(expected);
  });

  it('collects referenced components for lazy registration', () => {
    const { refs } = convertSchema({ type: 'array', items: { $ref: '#/components/schemas/label' } });
    expect([...refs]).toEqual(['label']);
  });
});

describe('router over the whole description', () => {
  const route = createRouter(loadSpec());

  it.each([
    ['GET', '/repos/o/r/issues/comments/5', 'issues/get-comment'],
    ['GET', '/repos/o/r/issues/5', 'issues/get'],
    ['GET', '/repos/o/r/contents/docs/readme.md', 'repos/get-content'],
    ['DELETE', '/repos/o/r/issues/5/labels/stage%3Abuild', 'issues/remove-label'],
  ])('%s %s is %s', (method, path, operationId) => {
    const match = route(method, path);
    expect(match.kind === 'operation' && match.operation.operationId).toBe(operationId);
  });

  it('decodes path parameters', () => {
    const match = route('DELETE', '/repos/o/r/issues/5/labels/stage%3Abuild');
    expect(match.kind === 'operation' && match.pathParams).toEqual({ owner: 'o', repo: 'r', issue_number: '5', name: 'stage:build' });
  });

  it('tells unknown paths from wrong methods', () => {
    expect(route('GET', '/repos/o/r/nothing-here').kind).toBe('unknown-path');
    expect(route('PATCH', '/repos/o/r/issues/5/comments')).toMatchObject({ kind: 'wrong-method', allowed: ['GET', 'POST'] });
  });
});
