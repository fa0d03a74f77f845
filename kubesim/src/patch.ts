/**
 * PATCH bodies: JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902).
 * Strategic merge patch is applied as a merge patch: lists are replaced
 * wholesale instead of merged by key, the one deliberate simplification.
 */
import { ApiError, badRequest, unsupportedMediaType } from './http-status.ts';
import { isRecord } from './kube-object.ts';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) {
    return structuredClone(patch);
  }
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  if (!pointer.startsWith('/')) {
    throw patchFailure(`invalid JSON pointer "${pointer}"`);
  }
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function patchFailure(why: string): ApiError {
  // The apiserver reports JSON patch application failures as 422 Invalid.
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${why}`);
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, parts: string[]): { parent: Container; key: string } {
  let cursor: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    cursor = Array.isArray(cursor) ? cursor[Number(part)] : isRecord(cursor) ? cursor[part] : undefined;
    if (cursor === undefined) {
      throw patchFailure(`doc is missing path: "/${parts.join('/')}"`);
    }
  }
  if (!Array.isArray(cursor) && !isRecord(cursor)) {
    throw patchFailure(`doc is missing path: "/${parts.join('/')}"`);
  }
  return { parent: cursor, key: parts[parts.length - 1] ?? '' };
}

function getAt(doc: unknown, pointer: string): unknown {
  let cursor = doc;
  for (const part of parsePointer(pointer)) {
    cursor = Array.isArray(cursor) ? cursor[Number(part)] : isRecord(cursor) ? cursor[part] : undefined;
    if (cursor === undefined) {
      throw patchFailure(`doc is missing path: "${pointer}"`);
    }
  }
  return cursor;
}

function arrayIndex(parent: unknown[], key: string, forInsert: boolean): number {
  const index = key === '-' && forInsert ? parent.length : Number(key);
  const max = forInsert ? parent.length : parent.length - 1;
  if (!Number.isInteger(index) || index < 0 || index > max) {
    throw patchFailure(`array index ${key} out of bounds`);
  }
  return index;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const parts = parsePointer(pointer);
  if (parts.length === 0) {
    return value;
  }
  const { parent, key } = resolveParent(doc, parts);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, key, true), 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, key } = resolveParent(doc, parsePointer(pointer));
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, key, false), 1);
  } else if (key in parent) {
    delete parent[key];
  } else {
    throw patchFailure(`unable to remove nonexistent key: ${key}: missing value`);
  }
  return doc;
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case 'add':
      return addAt(doc, op.path, structuredClone(op.value));
    case 'remove':
      return removeAt(doc, op.path);
    case 'replace':
      getAt(doc, op.path);
      return addAt(removeAt(doc, op.path), op.path, structuredClone(op.value));
    case 'move': {
      const value = getAt(doc, op.from ?? '');
      return addAt(removeAt(doc, op.from ?? ''), op.path, value);
    }
    case 'copy':
      return addAt(doc, op.path, structuredClone(getAt(doc, op.from ?? '')));
    case 'test':
      if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
        throw patchFailure(`testing value ${op.path} failed`);
      }
      return doc;
    default:
      throw badRequest(`Unexpected kind: ${op.op}`);
  }
}

function isOperation(value: unknown): value is Operation {
  return isRecord(value) && typeof value['op'] === 'string' && typeof value['path'] === 'string';
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch) || !patch.every(isOperation)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  return patch.reduce((doc: unknown, op: Operation) => applyOperation(doc, op), structuredClone(target));
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function toPatchType(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  switch (mediaType) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw unsupportedMediaType(mediaType);
  }
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  return type === 'json' ? applyJsonPatch(target, patch) : applyMergePatch(target, patch);
}
