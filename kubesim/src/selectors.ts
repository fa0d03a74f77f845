/**
 * labelSelector and fieldSelector query parameters, parsed the way
 * k8s.io/apimachinery/pkg/labels and pkg/fields do. Parse failures are 400s.
 */
import { badRequest } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { checkLabelKey, checkLabelValue } from './validate-names.ts';

type Operator = 'in' | 'notin' | 'exists' | 'doesnotexist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: readonly string[];
}

export type LabelSelector = readonly Requirement[];

const TOKEN = /\s*(==|!=|=|!|\(|\)|,|[^\s=!(),]+)/y;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < input.length) {
    const match = TOKEN.exec(input);
    if (!match) {
      break;
    }
    if (match[1] !== undefined) {
      tokens.push(match[1]);
    }
  }
  return tokens;
}

function parseValueSet(tokens: string[], at: number, raw: string): { values: string[]; next: number } {
  if (tokens[at] !== '(') {
    throw badRequest(`unable to parse requirement: found '${tokens[at] ?? ''}', expected: '(' in "${raw}"`);
  }
  const values: string[] = [];
  let i = at + 1;
  while (i < tokens.length && tokens[i] !== ')') {
    const token = tokens[i] ?? '';
    if (token !== ',') {
      values.push(token);
    }
    i += 1;
  }
  if (tokens[i] !== ')') {
    throw badRequest(`unable to parse requirement: found '', expected: ')' in "${raw}"`);
  }
  return { values, next: i + 1 };
}

function parseRequirement(tokens: string[], at: number, raw: string): { requirement: Requirement; next: number } {
  if (tokens[at] === '!') {
    const key = tokens[at + 1] ?? '';
    return { requirement: { key, operator: 'doesnotexist', values: [] }, next: at + 2 };
  }
  const key = tokens[at] ?? '';
  const op = tokens[at + 1];
  if (op === undefined || op === ',') {
    return { requirement: { key, operator: 'exists', values: [] }, next: at + 1 };
  }
  if (op === '=' || op === '==' || op === '!=') {
    const value = tokens[at + 2];
    const hasValue = value !== undefined && value !== ',';
    const operator = op === '!=' ? 'notin' : 'in';
    return { requirement: { key, operator, values: [hasValue ? value : ''] }, next: at + (hasValue ? 3 : 2) };
  }
  if (op === 'in' || op === 'notin') {
    const { values, next } = parseValueSet(tokens, at + 2, raw);
    return { requirement: { key, operator: op, values }, next };
  }
  throw badRequest(`unable to parse requirement: found '${op}', expected: in, notin, =, ==, !=, gt, lt in "${raw}"`);
}

function checkRequirement(requirement: Requirement): void {
  const keyProblem = checkLabelKey(requirement.key);
  if (keyProblem) {
    throw badRequest(`unable to parse requirement: key: Invalid value: "${requirement.key}": ${keyProblem}`);
  }
  requirement.values.forEach((value, index) => {
    const valueProblem = checkLabelValue(value);
    if (valueProblem) {
      throw badRequest(`unable to parse requirement: values[${index}][${requirement.key}]: Invalid value: "${value}": ${valueProblem}`);
    }
  });
}

export function parseLabelSelector(raw: string | null): LabelSelector {
  if (!raw || raw.trim() === '') {
    return [];
  }
  const tokens = tokenize(raw);
  const requirements: Requirement[] = [];
  let i = 0;
  while (i < tokens.length) {
    const { requirement, next } = parseRequirement(tokens, i, raw);
    checkRequirement(requirement);
    requirements.push(requirement);
    i = next;
    if (i < tokens.length && tokens[i] !== ',') {
      throw badRequest(`unable to parse requirement: found '${tokens[i] ?? ''}', expected: ',' or 'end of string' in "${raw}"`);
    }
    i += 1;
  }
  return requirements;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return selector.every((req) => {
    const value = labels?.[req.key];
    switch (req.operator) {
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
      case 'in':
        return value !== undefined && req.values.includes(value);
      case 'notin':
        return value === undefined || !req.values.includes(value);
    }
  });
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Fields each kind accepts beyond metadata.name and metadata.namespace (its field label conversion func). */
const EXTRA_FIELDS: Record<string, readonly string[]> = {
  Pod: ['status.phase', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.podIP', 'status.nominatedNodeName'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Job: ['status.successful'],
};

export function parseFieldSelector(raw: string | null, resource: ResourceType): FieldRequirement[] {
  if (!raw || raw.trim() === '') {
    return [];
  }
  const allowed = ['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[resource.kind] ?? [])];
  return raw.split(',').map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!match) {
      throw badRequest(`invalid selector: '${raw}'; can't understand '${term}'`);
    }
    const field = match[1] ?? '';
    if (!allowed.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, value: match[3] ?? '', negate: match[2] === '!=' };
  });
}

function fieldValue(obj: KubeObject, field: string): string {
  // status.successful is Job's field label for status.succeeded.
  const path = field === 'status.successful' ? 'status.succeeded' : field;
  let cursor: unknown = obj;
  for (const part of path.split('.')) {
    cursor = isRecord(cursor) ? cursor[part] : undefined;
  }
  return cursor === undefined || cursor === null ? '' : String(cursor);
}

export function matchesFields(requirements: readonly FieldRequirement[], obj: KubeObject): boolean {
  return requirements.every((req) => (fieldValue(obj, req.field) === req.value) !== req.negate);
}

export interface ObjectFilter {
  labels: LabelSelector;
  fields: readonly FieldRequirement[];
}

export function matchesFilter(filter: ObjectFilter, obj: KubeObject): boolean {
  return matchesLabels(filter.labels, obj.metadata.labels) && matchesFields(filter.fields, obj);
}
