import { describe, expect, it } from 'vitest';
import { checkDatabaseAction, parseAllowedEnvironments } from './database-lifecycle.ts';

const base = { action: 'create' as const, environment: 'dev', name: 'shop_app', confirmDelete: false, projectId: 'p1', allowed: ['dev', 'prod'], registration: null };

describe('checkDatabaseAction', () => {
  it.each([
    [{}, { ok: true, registered: false }],
    [{ environment: 'DEV' }, { ok: true, registered: false }],
    [{ environment: 'staging' }, { ok: false, code: 'invalid_argument', message: 'environment staging is not one of dev, prod' }],
    [{ name: '1app' }, { ok: false, code: 'invalid_argument', message: 'database_name must match ^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$' }],
    [{ name: 'a'.repeat(64) }, { ok: false, code: 'invalid_argument', message: 'database_name must match ^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$' }],
    [{ name: 'x; drop database y' }, { ok: false, code: 'invalid_argument', message: 'database_name must match ^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$' }],
    [{ registration: { projectId: 'p2', environment: 'dev' } }, { ok: false, code: 'permission_denied', message: 'database shop_app belongs to another project' }],
    [{ registration: { projectId: 'p1', environment: 'prod' } }, { ok: false, code: 'failed_precondition', message: 'database shop_app is registered for environment prod' }],
    [{ registration: { projectId: 'p1', environment: 'dev' } }, { ok: true, registered: true }],
    [{ action: 'delete' as const, registration: { projectId: 'p1', environment: 'dev' } }, { ok: false, code: 'invalid_argument', message: 'delete needs confirm_delete: true' }],
    [{ action: 'delete' as const, confirmDelete: true }, { ok: false, code: 'failed_precondition', message: 'database shop_app is not registered for this project' }],
    [{ action: 'delete' as const, confirmDelete: true, registration: { projectId: 'p1', environment: 'dev' } }, { ok: true, registered: true }],
    [{ action: 'describe' as const }, { ok: true, registered: false }],
    [{ action: 'describe' as const, registration: { projectId: 'p2', environment: 'dev' } }, { ok: false, code: 'permission_denied', message: 'database shop_app belongs to another project' }],
  ])('%j → %j', (change, expected) => {
    expect(checkDatabaseAction({ ...base, ...change })).toEqual(expected);
  });
});

describe('parseAllowedEnvironments', () => {
  it('reads a comma list and defaults to dev, production, prod', () => {
    expect(parseAllowedEnvironments(' Dev, qa ,')).toEqual(['dev', 'qa']);
    expect(parseAllowedEnvironments(undefined)).toEqual(['dev', 'production', 'prod']);
    expect(parseAllowedEnvironments('')).toEqual(['dev', 'production', 'prod']);
  });
});
