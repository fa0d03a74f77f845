/**
 * meta.k8s.io/v1 Table responses, which `kubectl get` asks for
 * (Accept: application/json;as=Table;v=v1;g=meta.k8s.io). Columns follow the
 * apiserver's printers for the kinds kubectl users look at most.
 */
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  cell: (obj: KubeObject, now: number) => string | number;
}

function field(obj: KubeObject, key: string): Record<string, unknown> {
  const value = obj[key];
  return isRecord(value) ? value : {};
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) {
    return s < -1 ? '<invalid>' : '0s';
  }
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  const y = Math.floor(d / 365);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string): string => (small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`);
  const steps: Array<[boolean, () => string]> = [
    [s < 120, () => `${s}s`],
    [m < 10, () => pair(m, 'm', s % 60, 's')],
    [m < 180, () => `${m}m`],
    [h < 8, () => pair(h, 'h', m % 60, 'm')],
    [h < 48, () => `${h}h`],
    [h < 192, () => pair(d, 'd', h % 24, 'h')],
    [y < 2, () => `${d}d`],
    [y < 8, () => pair(y, 'y', d % 365, 'd')],
  ];
  return steps.find(([applies]) => applies)?.[1]() ?? `${y}y`;
}

function since(timestamp: unknown, now: number): string {
  return typeof timestamp === 'string' ? humanDuration(now - Date.parse(timestamp)) : '<unknown>';
}

const NAME: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name ?? '' };
const AGE: Column = { name: 'Age', type: 'string', cell: (o, now) => since(o.metadata.creationTimestamp, now) };

function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  const list = field(pod, 'status')['containerStatuses'];
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

function podStatusText(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) {
    return 'Terminating';
  }
  const status = field(pod, 'status');
  let reason = typeof status['reason'] === 'string' ? status['reason'] : String(status['phase'] ?? 'Unknown');
  for (const cs of containerStatuses(pod)) {
    const state = isRecord(cs['state']) ? cs['state'] : {};
    const waiting = isRecord(state['waiting']) ? state['waiting'] : undefined;
    const terminated = isRecord(state['terminated']) ? state['terminated'] : undefined;
    if (typeof waiting?.['reason'] === 'string') {
      reason = waiting['reason'];
    } else if (terminated) {
      reason = typeof terminated['reason'] === 'string' ? terminated['reason'] : `ExitCode:${String(terminated['exitCode'])}`;
    }
  }
  return reason;
}

function conditionTrue(obj: KubeObject, type: string): boolean {
  const conditions = field(obj, 'status')['conditions'];
  return Array.isArray(conditions) && conditions.some((c: unknown) => isRecord(c) && c['type'] === type && c['status'] === 'True');
}

function jobStatusText(job: KubeObject): string {
  const order: Array<[string, string]> = [['Complete', 'Complete'], ['Failed', 'Failed']];
  for (const [type, text] of order) {
    if (conditionTrue(job, type)) {
      return text;
    }
  }
  if (job.metadata.deletionTimestamp) {
    return 'Terminating';
  }
  if (conditionTrue(job, 'Suspended')) {
    return 'Suspended';
  }
  if (conditionTrue(job, 'FailureTarget')) {
    return 'FailureTarget';
  }
  if (conditionTrue(job, 'SuccessCriteriaMet')) {
    return 'SuccessCriteriaMet';
  }
  return 'Running';
}

function jobDuration(job: KubeObject, now: number): string {
  const status = field(job, 'status');
  if (typeof status['startTime'] !== 'string') {
    return '';
  }
  const end = typeof status['completionTime'] === 'string' ? Date.parse(status['completionTime']) : now;
  return humanDuration(end - Date.parse(status['startTime']));
}

function count(value: unknown): number {
  return isRecord(value) ? Object.keys(value).length : Array.isArray(value) ? value.length : 0;
}

const COLUMNS: Record<string, Column[]> = {
  Namespace: [NAME, { name: 'Status', type: 'string', cell: (o) => String(field(o, 'status')['phase'] ?? '') }, AGE],
  Pod: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${containerStatuses(o).filter((c) => c['ready'] === true).length}/${count(field(o, 'spec')['containers'])}` },
    { name: 'Status', type: 'string', cell: podStatusText },
    { name: 'Restarts', type: 'string', cell: (o) => String(containerStatuses(o).reduce((n, c) => n + Number(c['restartCount'] ?? 0), 0)) },
    AGE,
  ],
  Job: [
    NAME,
    { name: 'Status', type: 'string', cell: jobStatusText },
    { name: 'Completions', type: 'string', cell: (o) => `${Number(field(o, 'status')['succeeded'] ?? 0)}/${String(field(o, 'spec')['completions'] ?? 1)}` },
    { name: 'Duration', type: 'string', cell: jobDuration },
    AGE,
  ],
  Secret: [NAME, { name: 'Type', type: 'string', cell: (o) => String(o['type'] ?? '') }, { name: 'Data', type: 'integer', cell: (o) => count(o['data']) }, AGE],
  ConfigMap: [NAME, { name: 'Data', type: 'integer', cell: (o) => count(o['data']) + count(o['binaryData']) }, AGE],
  ServiceAccount: [NAME, { name: 'Secrets', type: 'integer', cell: (o) => count(o['secrets']) }, AGE],
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cell: (o) => `${Number(field(o, 'status')['readyReplicas'] ?? 0)}/${Number(field(o, 'spec')['replicas'] ?? 1)}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => Number(field(o, 'status')['updatedReplicas'] ?? 0) },
    { name: 'Available', type: 'integer', cell: (o) => Number(field(o, 'status')['availableReplicas'] ?? 0) },
    AGE,
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

function rowObject(obj: KubeObject, includeObject: string): unknown {
  if (includeObject === 'None') {
    return undefined;
  }
  if (includeObject === 'Object') {
    return obj;
  }
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(resource: ResourceType, objects: readonly KubeObject[], listMeta: Record<string, unknown>, includeObject: string): Record<string, unknown> {
  const columns = COLUMNS[resource.kind] ?? [NAME, AGE];
  const now = Date.now();
  const columnDefinitions = columns.map((c) => ({ name: c.name, type: c.type, format: c === NAME ? 'name' : '', description: '', priority: 0 }));
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: columns.map((c) => c.cell(obj, now)) };
    const object = rowObject(obj, includeObject);
    if (object !== undefined) {
      row['object'] = object;
    }
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions, rows };
}
