/**
 * Failures worded as api.github.com words them. Handlers throw GitHubError;
 * the server turns it into `{ message, documentation_url, status }` in one place.
 */
const DOCS = 'https://docs.github.com/rest';

export class GitHubError extends Error {
  readonly statusCode: number;
  readonly documentationUrl: string;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(statusCode: number, message: string, opts: { documentationUrl?: string; headers?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'GitHubError';
    this.statusCode = statusCode;
    this.documentationUrl = opts.documentationUrl ?? DOCS;
    this.headers = opts.headers ?? {};
    this.extra = opts.extra ?? {};
  }

  toBody(): Record<string, unknown> {
    return { message: this.message, ...this.extra, documentation_url: this.documentationUrl, status: String(this.statusCode) };
  }
}

export function notFound(documentationUrl?: string): GitHubError {
  return new GitHubError(404, 'Not Found', { documentationUrl });
}

export function badCredentials(): GitHubError {
  return new GitHubError(401, 'Bad credentials');
}

export function requiresAuthentication(): GitHubError {
  return new GitHubError(401, 'Requires authentication');
}

/** What an installation-token call to an app (JWT-only) endpoint gets. */
export function jwtRequired(): GitHubError {
  return new GitHubError(401, 'A JSON web token could not be decoded');
}

export function notAccessibleByIntegration(): GitHubError {
  return new GitHubError(403, 'Resource not accessible by integration');
}

export function invalidRequest(details: readonly string[]): GitHubError {
  return new GitHubError(422, `Invalid request.\n\n${details.join('\n')}`);
}

/** GitHub's 422 with field errors, e.g. an already existing label. */
export function validationFailed(resource: string, code: string, field: string): GitHubError {
  return new GitHubError(422, 'Validation Failed', { extra: { errors: [{ resource, code, field }] } });
}

export function problemsParsingJson(): GitHubError {
  return new GitHubError(400, 'Problems parsing JSON');
}
