/**
 * helm for the chart tests: the binary from tools/install-helm.sh
 * or $HELM, run with throwaway config/cache dirs so nothing leaks into
 * $HOME. `renderChart` returns every non-empty rendered document as an object.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const exec = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHART_DIR = path.join(REPO_ROOT, 'cluster-agent/chart');
export const CI_VALUES = path.join(CHART_DIR, 'ci-values.yaml');
export const RELEASE = 'stageline';
export const NAMESPACE = 'stageline';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export function helmBinary(): string {
  const bin = process.env['HELM'] ?? path.join(REPO_ROOT, '.tools/helm/helm');
  if (!existsSync(bin)) {
    throw new Error(`helm not found at ${bin}: run \`bash tools/install-helm.sh\` (or set HELM=/path/to/helm)`);
  }
  return bin;
}

const helmHome = mkdtempSync(path.join(os.tmpdir(), 'stageline-helm-'));

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm; a non-zero exit is returned, not thrown, so tests can assert on failures. */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: path.join(helmHome, 'cache'),
    HELM_CONFIG_HOME: path.join(helmHome, 'config'),
    HELM_DATA_HOME: path.join(helmHome, 'data'),
  };
  try {
    const { stdout, stderr } = await exec(helmBinary(), [...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') {
      throw new Error(`could not run helm ${args.join(' ')}`, { cause: error });
    }
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `helm template stageline <chart> -n stageline <extra>`; throws with helm's stderr on failure. */
export async function renderChart(extra: readonly string[]): Promise<KubeObject[]> {
  const result = await helm(['template', RELEASE, CHART_DIR, '-n', NAMESPACE, ...extra]);
  if (result.code !== 0) {
    throw new Error(`helm template failed (${result.code}):\n${result.stderr}`);
  }
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) {
      continue;
    }
    objects.push(value as KubeObject);
  }
  return objects;
}

/** The one object of `kind` (and `name` when given); throws when absent or ambiguous. */
export function single<T = KubeObject>(objects: readonly KubeObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0] as T;
}
