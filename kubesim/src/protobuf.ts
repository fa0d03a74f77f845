/**
 * Request bodies in the Kubernetes protobuf encoding, for the kinds typed Go
 * clients send that way: kubectl 1.33's `create namespace` and helm 4's
 * release records (Secrets). The body is the 4-byte magic `k8s\0` and a
 * `runtime.Unknown` (typeMeta, raw); `raw` is the object's message as
 * k8s.io/api/core/v1/generated.proto numbers its fields. What a message holds
 * is turned into the JSON object the rest of the server handles. Fields
 * that only the server sets (uid, creationTimestamp, generation, managedFields,
 * status) are dropped; a field this decoder does not know, set to a non-empty
 * value, is refused (415) rather than lost.
 */
import { ApiError } from './http-status.ts';

const MAGIC = Buffer.from('k8s\0', 'latin1');

type Field = { no: number; wire: 0; value: bigint } | { no: number; wire: 2; value: Buffer };

function unsupported(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - ${message}; send application/json`);
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      return [value, i + 1];
    }
    shift += 7n;
  }
  throw unsupported('a protobuf varint is truncated');
}

/** The message's fields in order (varint and length-delimited only: no Kubernetes kind here uses the others). */
export function fieldsOf(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(buf, next);
      fields.push({ no, wire, value });
      at = after;
    } else if (wire === 2) {
      const [length, start] = readVarint(buf, next);
      const end = start + Number(length);
      if (end > buf.length) {
        throw unsupported('a protobuf field runs past the end of the body');
      }
      fields.push({ no, wire, value: buf.subarray(start, end) });
      at = end;
    } else {
      throw unsupported(`protobuf wire type ${wire} is not used by the kinds kubesim decodes`);
    }
  }
  return fields;
}

const bytesOf = (f: Field): Buffer => {
  if (f.wire !== 2) {
    throw unsupported(`protobuf field ${f.no} should be length-delimited`);
  }
  return f.value;
};
const textOf = (f: Field): string => bytesOf(f).toString('utf8');
const isEmpty = (f: Field): boolean => (f.wire === 0 ? f.value === 0n : f.value.length === 0);

/** A `map<string, V>` entry: key 1, value 2. */
function entryOf(f: Field): [string, Buffer] {
  let key = '';
  let value: Buffer = Buffer.alloc(0);
  for (const e of fieldsOf(bytesOf(f))) {
    if (e.no === 1) {
      key = textOf(e);
    } else if (e.no === 2) {
      value = bytesOf(e);
    }
  }
  return [key, value];
}

function refuseUnknown(where: string, f: Field): void {
  if (!isEmpty(f)) {
    throw unsupported(`${where} field ${f.no} is not decoded by kubesim`);
  }
}

/** ObjectMeta: the fields a client sets. */
function objectMetaOf(buf: Buffer): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  const SERVER_SET = new Set([4, 5, 7, 8, 9, 10, 17]); // selfLink, uid, generation, creationTimestamp, deletion*, managedFields
  const TEXT: Partial<Record<number, string>> = { 1: 'name', 2: 'generateName', 3: 'namespace', 6: 'resourceVersion' };
  for (const f of fieldsOf(buf)) {
    const textKey = TEXT[f.no];
    if (textKey !== undefined) {
      assign(meta, textKey, textOf(f));
      continue;
    }
    switch (f.no) {
      case 11: {
        const [k, v] = entryOf(f);
        labels[k] = v.toString('utf8');
        break;
      }
      case 12: {
        const [k, v] = entryOf(f);
        annotations[k] = v.toString('utf8');
        break;
      }
      case 14:
        finalizers.push(textOf(f));
        break;
      default:
        if (!SERVER_SET.has(f.no)) {
          refuseUnknown('ObjectMeta', f);
        }
    }
  }
  if (Object.keys(labels).length > 0) {
    meta['labels'] = labels;
  }
  if (Object.keys(annotations).length > 0) {
    meta['annotations'] = annotations;
  }
  if (finalizers.length > 0) {
    meta['finalizers'] = finalizers;
  }
  return meta;
}

type KindDecoder = (fields: Field[], obj: Record<string, unknown>) => void;

const stringMap = (fields: Field[], no: number): Record<string, string> | undefined => {
  const entries = fields.filter((f) => f.no === no).map(entryOf);
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, v.toString('utf8')]));
};
const bytesMap = (fields: Field[], no: number): Record<string, string> | undefined => {
  const entries = fields.filter((f) => f.no === no).map(entryOf);
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, v.toString('base64')]));
};
const boolField = (fields: Field[], no: number): boolean | undefined => {
  const f = fields.find((x) => x.no === no);
  return f === undefined || f.wire !== 0 ? undefined : f.value !== 0n;
};
const assign = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  if (value !== undefined && value !== '') {
    obj[key] = value;
  }
};
const checkKnown = (kind: string, fields: Field[], known: readonly number[]): void => {
  for (const f of fields) {
    if (!known.includes(f.no)) {
      refuseUnknown(kind, f);
    }
  }
};

/** core/v1 kinds by their generated.proto field numbers (metadata is 1 in each). */
const KINDS: Record<string, KindDecoder> = {
  Namespace: (fields, obj) => {
    // spec (2): finalizers (1); status (3) is the server's.
    checkKnown('Namespace', fields, [1, 2, 3]);
    const spec = fields.find((f) => f.no === 2);
    const finalizers = spec === undefined ? [] : fieldsOf(bytesOf(spec)).filter((f) => f.no === 1).map(textOf);
    if (finalizers.length > 0) {
      obj['spec'] = { finalizers };
    }
  },
  Secret: (fields, obj) => {
    checkKnown('Secret', fields, [1, 2, 3, 4, 5]);
    assign(obj, 'data', bytesMap(fields, 2));
    const type = fields.find((f) => f.no === 3);
    assign(obj, 'type', type === undefined ? undefined : textOf(type));
    assign(obj, 'stringData', stringMap(fields, 4));
    assign(obj, 'immutable', boolField(fields, 5));
  },
  ConfigMap: (fields, obj) => {
    checkKnown('ConfigMap', fields, [1, 2, 3, 4]);
    assign(obj, 'data', stringMap(fields, 2));
    assign(obj, 'binaryData', bytesMap(fields, 3));
    assign(obj, 'immutable', boolField(fields, 4));
  },
};

/** DeleteOptions (meta/v1): what a typed client sends with a delete. */
function deleteOptionsOf(fields: Field[]): Record<string, unknown> {
  checkKnown('DeleteOptions', fields, [1, 2, 3, 4, 5]);
  const obj: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
  const grace = fields.find((f) => f.no === 1);
  if (grace !== undefined && grace.wire === 0) {
    obj['gracePeriodSeconds'] = Number(BigInt.asIntN(64, grace.value));
  }
  const pre = fields.find((f) => f.no === 2);
  if (pre !== undefined) {
    const p: Record<string, string> = {};
    for (const f of fieldsOf(bytesOf(pre))) {
      if (f.no === 1) {
        p['uid'] = textOf(f);
      }
      if (f.no === 2) {
        p['resourceVersion'] = textOf(f);
      }
    }
    obj['preconditions'] = p;
  }
  assign(obj, 'orphanDependents', boolField(fields, 3));
  const policy = fields.find((f) => f.no === 4);
  assign(obj, 'propagationPolicy', policy === undefined ? undefined : textOf(policy));
  const dryRun = fields.filter((f) => f.no === 5).map(textOf);
  if (dryRun.length > 0) {
    obj['dryRun'] = dryRun;
  }
  return obj;
}

/** The JSON object a protobuf request body stands for. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw unsupported('a protobuf body must start with the k8s\\0 magic');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | null = null;
  for (const f of fieldsOf(body.subarray(MAGIC.length))) {
    if (f.no === 1) {
      for (const t of fieldsOf(bytesOf(f))) {
        if (t.no === 1) {
          apiVersion = textOf(t);
        }
        if (t.no === 2) {
          kind = textOf(t);
        }
      }
    } else if (f.no === 2) {
      raw = bytesOf(f);
    }
  }
  if (kind === 'DeleteOptions' && raw !== null && (apiVersion === 'v1' || apiVersion === 'meta.k8s.io/v1')) {
    return deleteOptionsOf(fieldsOf(raw));
  }
  const decode = apiVersion === 'v1' ? KINDS[kind] : undefined;
  if (decode === undefined || raw === null) {
    throw unsupported(`kubesim decodes protobuf bodies of v1 ${Object.keys(KINDS).join(', ')} and DeleteOptions only (got ${apiVersion || '?'} ${kind || '?'})`);
  }
  const fields = fieldsOf(raw);
  const meta = fields.find((f) => f.no === 1);
  const obj: Record<string, unknown> = { apiVersion, kind, metadata: meta === undefined ? {} : objectMetaOf(bytesOf(meta)) };
  decode(fields, obj);
  return obj;
}
