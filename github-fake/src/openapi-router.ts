/**
 * Matches a request line against every path template in GitHub's description,
 * so a request to an endpoint GitHub does not have is told apart from one the
 * fake merely does not implement.
 */
import type { HttpMethod, OpenApiSpec, OperationObject, PathItem } from './openapi-spec.ts';
import { HTTP_METHODS } from './openapi-spec.ts';

export type RouteMatch =
  | { kind: 'operation'; template: string; method: HttpMethod; operation: OperationObject; pathItem: PathItem; pathParams: Record<string, string> }
  | { kind: 'unknown-path' }
  | { kind: 'wrong-method'; template: string; allowed: string[] };

interface CompiledPath {
  template: string;
  names: string[];
  exact: RegExp;
  /** A trailing path, ref or branch may span segments (`/contents/{path}`), tried only when nothing matches exactly. */
  greedy: RegExp;
  /** '0' per literal segment, '1' per parameter: literals win ties (`/issues/comments` over `/issues/{issue_number}`). */
  rank: string;
  item: PathItem;
}

/** Parameters GitHub accepts with unescaped slashes (file paths, git refs, branch names). */
const MULTI_SEGMENT_PARAMS = new Set(['path', 'ref', 'branch']);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
}

function compilePath(template: string, item: PathItem): CompiledPath {
  const names: string[] = [];
  const segments = template.split('/').slice(1);
  const parts = segments.map((segment) =>
    escapeRegex(segment).replace(/\{([^}]+)\}/g, (_m, name: string) => {
      names.push(name);
      return '\u0000';
    }),
  );
  const exact = `^/${parts.join('/').replaceAll('\u0000', '([^/]+)')}$`;
  const greedyBody = parts.join('/');
  const last = greedyBody.lastIndexOf('\u0000');
  const spans = last >= 0 && greedyBody.endsWith('\u0000') && MULTI_SEGMENT_PARAMS.has(names.at(-1) ?? '');
  const greedy = !spans ? exact : `^/${(greedyBody.slice(0, last) + '(.+)' + greedyBody.slice(last + 1)).replaceAll('\u0000', '([^/]+)')}$`;
  const rank = segments.map((s) => (s.includes('{') ? '1' : '0')).join('');
  return { template, names, exact: new RegExp(exact), greedy: new RegExp(greedy), rank, item };
}

export function createRouter(spec: OpenApiSpec): (method: string, pathname: string) => RouteMatch {
  const compiled = Object.entries(spec.paths).map(([template, item]) => compilePath(template, item));
  const find = (pathname: string, pick: (c: CompiledPath) => RegExp): { path: CompiledPath; values: string[] } | undefined => {
    let best: { path: CompiledPath; values: string[] } | undefined;
    for (const path of compiled) {
      const m = pick(path).exec(pathname);
      if (m && (best === undefined || path.rank < best.path.rank)) {
        best = { path, values: m.slice(1) };
      }
    }
    return best;
  };
  return (method, pathname) => {
    const found = find(pathname, (c) => c.exact) ?? find(pathname, (c) => c.greedy);
    if (found === undefined) {
      return { kind: 'unknown-path' };
    }
    const { path, values } = found;
    const lower = method.toLowerCase() as HttpMethod;
    const operation = HTTP_METHODS.includes(lower) ? path.item[lower] : undefined;
    if (operation === undefined || Array.isArray(operation) || typeof operation === 'string') {
      const allowed = HTTP_METHODS.filter((m) => path.item[m] !== undefined).map((m) => m.toUpperCase());
      return { kind: 'wrong-method', template: path.template, allowed };
    }
    const pathParams: Record<string, string> = {};
    path.names.forEach((name, i) => {
      pathParams[name] = safeDecode(values[i] ?? '');
    });
    return { kind: 'operation', template: path.template, method: lower, operation, pathItem: path.item, pathParams };
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape is passed through as sent; the parameter schema then judges it.
    return segment;
  }
}
