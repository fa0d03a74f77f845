/**
 * Kubernetes name and label syntax as plain string functions (the shape of
 * buildkite's agenttags). kubernetes-models validates schemas but not name
 * formats, so the checks the API server would make live here.
 */

/** Every Stageline label and annotation key hangs off this prefix (docs/domain.md §5). */
export const LABEL_PREFIX = 'stageline.dev';

/** The `managed-by` value written on every object the cluster-agent owns. */
export const MANAGED_BY = 'stageline-cluster-agent';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** DNS-1123 label: namespaces, Job names (≤ 63, lower-case alnum and '-'). */
export function isDns1123Label(value: string): boolean {
  return value.length > 0 && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Label value: empty, or ≤ 63 chars of alnum, '-', '_', '.', alnum at both ends. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Label key: optional DNS subdomain prefix (≤ 253) + '/' + qualified name (≤ 63). */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return false;
  }
  if (slash === -1) {
    return true;
  }
  return prefix.length > 0 && prefix.length <= 253 && prefix.split('.').every(isDns1123Label);
}

/**
 * "compact" of docs/domain.md §5.2: lower-case, keep [a-z0-9] only, truncate.
 * @example compactId('3F2a-9b_c.d', 4) === '3f2a'
 */
export function compactId(value: string, max: number): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, max);
}

/**
 * Turn any string into a DNS-1123 label: lower-case, invalid runs become '-',
 * trimmed to 63 with alnum ends. Returns `fallback` when nothing usable is left.
 * @example toDns1123Label('Org/Repo_Name') === 'org-repo-name'
 */
export function toDns1123Label(value: string, fallback: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return isDns1123Label(cleaned) ? cleaned : fallback;
}

/** A label key under LABEL_PREFIX, e.g. `stageline.dev/run-id`. */
export function prefixedKey(name: string): string {
  return `${LABEL_PREFIX}/${name}`;
}
