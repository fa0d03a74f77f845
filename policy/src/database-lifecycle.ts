/**
 * `database_lifecycle` rules (docs/domain.md §7.7), without I/O: which
 * environments may have databases, what a database name may be, and who owns
 * a name. One project can never create, describe or drop another project's
 * database, nor reuse a name registered for another environment.
 */

export const DATABASE_NAME = /^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/;
export const DEFAULT_DATABASE_ENVIRONMENTS = ['dev', 'production', 'prod'] as const;

export type DatabaseAction = 'create' | 'delete' | 'describe';

export interface DatabaseRegistration {
  projectId: string;
  environment: string;
}

export type DatabaseCheck =
  | { ok: true; registered: boolean }
  | { ok: false; code: 'invalid_argument' | 'permission_denied' | 'failed_precondition'; message: string };

/** `STAGELINE_PROJECT_DB_LIFECYCLE_ALLOWED_ENVS`: comma-separated, lower-case. */
export function parseAllowedEnvironments(raw: string | undefined): string[] {
  const list = (raw ?? '').split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
  return list.length === 0 ? [...DEFAULT_DATABASE_ENVIRONMENTS] : list;
}

/**
 * @example checkDatabaseAction({ action: 'create', environment: 'dev', name: 'app', confirmDelete: false, projectId: 'p1', allowed: ['dev'], registration: null }).ok === true
 */
export function checkDatabaseAction(input: { action: DatabaseAction; environment: string; name: string; confirmDelete: boolean; projectId: string; allowed: readonly string[]; registration: DatabaseRegistration | null }): DatabaseCheck {
  const environment = input.environment.toLowerCase();
  if (!input.allowed.includes(environment)) {
    return { ok: false, code: 'invalid_argument', message: `environment ${environment} is not one of ${input.allowed.join(', ')}` };
  }
  if (!DATABASE_NAME.test(input.name)) {
    return { ok: false, code: 'invalid_argument', message: 'database_name must match ^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$' };
  }
  const reg = input.registration;
  if (reg !== null && reg.projectId !== input.projectId) {
    return { ok: false, code: 'permission_denied', message: `database ${input.name} belongs to another project` };
  }
  if (reg !== null && reg.environment !== environment) {
    return { ok: false, code: 'failed_precondition', message: `database ${input.name} is registered for environment ${reg.environment}` };
  }
  if (input.action === 'delete' && !input.confirmDelete) {
    return { ok: false, code: 'invalid_argument', message: 'delete needs confirm_delete: true' };
  }
  if (input.action === 'delete' && reg === null) {
    return { ok: false, code: 'failed_precondition', message: `database ${input.name} is not registered for this project` };
  }
  return { ok: true, registered: reg !== null };
}
