/**
 * Create/update validation: the official OpenAPI schema (through the
 * kubernetes-models class in the registry) plus the format and per-kind
 * checks the schema cannot express. All problems become one 422 Invalid.
 */
import type { FieldError } from './http-status.ts';
import { invalid } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import { checkDnsLabel, checkLabelKey, checkLabelValue, checkObjectName } from './validate-names.ts';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name` */
function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function valueAt(obj: unknown, pointer: string): unknown {
  let cursor = obj;
  for (const part of pointer.split('/').filter((p) => p !== '')) {
    cursor = isRecord(cursor) || Array.isArray(cursor) ? (cursor as Record<string, unknown>)[part] : undefined;
  }
  return cursor;
}

function fromAjvError(obj: KubeObject, error: AjvError): FieldError {
  const pointer = error.instancePath ?? '';
  if (error.keyword === 'required' && typeof error.params?.['missingProperty'] === 'string') {
    const field = toFieldPath(`${pointer}/${error.params['missingProperty']}`);
    return { field, detail: 'Required value', reason: 'FieldValueRequired' };
  }
  const value = JSON.stringify(valueAt(obj, pointer)) ?? 'null';
  return { field: toFieldPath(pointer) || '<root>', detail: `Invalid value: ${value}: ${error.message ?? 'invalid'}`, reason: 'FieldValueTypeInvalid' };
}

function schemaErrors(resource: ResourceType, obj: KubeObject): FieldError[] {
  try {
    resource.validateSchema(obj);
    return [];
  } catch (err) {
    const errors = isRecord(err) && Array.isArray(err['errors']) ? (err['errors'] as AjvError[]) : undefined;
    if (!errors) {
      throw new Error('kubernetes-models validation failed unexpectedly', { cause: err });
    }
    return errors.map((e) => fromAjvError(obj, e));
  }
}

function nameErrors(resource: ResourceType, obj: KubeObject): FieldError[] {
  const name = obj.metadata.name ?? '';
  if (name === '') {
    return [{ field: 'metadata.name', detail: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }];
  }
  const problem = checkObjectName(resource.nameRule, name, resource.maxNameLength);
  return problem ? [{ field: 'metadata.name', detail: `Invalid value: "${name}": ${problem}` }] : [];
}

export function mapErrors(field: string, map: unknown, checkValues: boolean): FieldError[] {
  if (!isRecord(map)) {
    return [];
  }
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(map)) {
    const keyProblem = checkLabelKey(key);
    if (keyProblem) {
      errors.push({ field, detail: `Invalid value: "${key}": ${keyProblem}` });
    }
    const valueProblem = checkValues && typeof value === 'string' ? checkLabelValue(value) : undefined;
    if (valueProblem) {
      errors.push({ field: `${field}`, detail: `Invalid value: "${value}": ${valueProblem}` });
    }
  }
  return errors;
}

function containerErrors(podSpec: unknown, path: string, allowedRestart: readonly string[]): FieldError[] {
  if (!isRecord(podSpec)) {
    return [];
  }
  const errors: FieldError[] = [];
  const restart = typeof podSpec['restartPolicy'] === 'string' ? podSpec['restartPolicy'] : 'Always';
  if (!allowedRestart.includes(restart)) {
    const supported = allowedRestart.map((v) => `"${v}"`).join(', ');
    errors.push({ field: `${path}.restartPolicy`, detail: `Unsupported value: "${restart}": supported values: ${supported}`, reason: 'FieldValueNotSupported' });
  }
  const containers = Array.isArray(podSpec['containers']) ? podSpec['containers'] : [];
  const seen = new Set<string>();
  containers.forEach((c: unknown, i) => {
    const name = isRecord(c) && typeof c['name'] === 'string' ? c['name'] : '';
    const problem = checkDnsLabel(name);
    if (problem) {
      errors.push({ field: `${path}.containers[${i}].name`, detail: `Invalid value: "${name}": ${problem}` });
    } else if (seen.has(name)) {
      errors.push({ field: `${path}.containers[${i}].name`, detail: `Duplicate value: "${name}"` });
    }
    seen.add(name);
    if (!isRecord(c) || typeof c['image'] !== 'string' || c['image'] === '') {
      errors.push({ field: `${path}.containers[${i}].image`, detail: 'Required value', reason: 'FieldValueRequired' });
    }
  });
  return errors;
}

function templateOf(obj: KubeObject): Record<string, unknown> | undefined {
  const spec = obj['spec'];
  return isRecord(spec) && isRecord(spec['template']) ? spec['template'] : undefined;
}

/** Per-kind rules the apiserver's validation package adds on top of the schema. */
const KIND_RULES: Record<string, (obj: KubeObject) => FieldError[]> = {
  Pod: (obj) => containerErrors(obj['spec'], 'spec', ['Always', 'OnFailure', 'Never']),
  Job: (obj) => {
    const template = templateOf(obj);
    const meta = isRecord(template?.['metadata']) ? template['metadata'] : {};
    return [
      ...mapErrors('spec.template.metadata.labels', meta['labels'], true),
      ...containerErrors(template?.['spec'], 'spec.template.spec', ['OnFailure', 'Never']),
    ];
  },
  Deployment: (obj) => containerErrors(templateOf(obj)?.['spec'], 'spec.template.spec', ['Always']),
  Secret: (obj) => dataKeyErrors(obj, 'data', true),
  ConfigMap: (obj) => dataKeyErrors(obj, 'data', false),
};

function dataKeyErrors(obj: KubeObject, field: string, base64: boolean): FieldError[] {
  const data = obj[field];
  if (!isRecord(data)) {
    return [];
  }
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
      errors.push({ field: `${field}[${key}]`, detail: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` });
    }
    if (base64 && typeof value === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      errors.push({ field: `${field}[${key}]`, detail: 'Invalid value: "<secret contents redacted>": illegal base64 data' });
    }
  }
  return errors;
}

/** Throws 422 Invalid listing every problem, like the apiserver's aggregated field errors. */
export function validateObject(resource: ResourceType, obj: KubeObject): void {
  const errors = [
    ...nameErrors(resource, obj),
    ...mapErrors('metadata.labels', obj.metadata.labels, true),
    ...mapErrors('metadata.annotations', obj.metadata.annotations, false),
    ...schemaErrors(resource, obj),
  ];
  const kindRule = KIND_RULES[resource.kind];
  if (kindRule && errors.length === 0) {
    errors.push(...kindRule(obj));
  }
  if (errors.length > 0) {
    throw invalid(resource, obj.metadata.name ?? '', errors);
  }
}
