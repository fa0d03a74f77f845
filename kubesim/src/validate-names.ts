/**
 * Name and label syntax from k8s.io/apimachinery/pkg/util/validation, with the
 * same messages. kubernetes-models checks schemas but not these formats.
 * Each check returns the problem text, or undefined when the value is fine.
 */
import type { NameRule } from './resource-registry.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const DNS_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function tooLong(max: number): string {
  return `must be no more than ${max} characters`;
}

export function checkDnsLabel(value: string): string | undefined {
  if (value.length > 63) {
    return tooLong(63);
  }
  return DNS_LABEL.test(value) ? undefined : DNS_LABEL_MSG;
}

export function checkDnsSubdomain(value: string): string | undefined {
  if (value.length > 253) {
    return tooLong(253);
  }
  return DNS_SUBDOMAIN.test(value) ? undefined : DNS_SUBDOMAIN_MSG;
}

function checkPathSegment(value: string): string | undefined {
  if (value === '.' || value === '..') {
    return `may not be '${value}'`;
  }
  for (const bad of ['/', '%']) {
    if (value.includes(bad)) {
      return `may not contain '${bad}'`;
    }
  }
  return undefined;
}

/** Object names; `maxLength` lets Jobs keep to 63 so the job-name label stays valid. */
export function checkObjectName(rule: NameRule, value: string, maxLength: number): string | undefined {
  if (value.length > maxLength) {
    return tooLong(maxLength);
  }
  switch (rule) {
    case 'dns-label':
      return checkDnsLabel(value);
    case 'dns-subdomain':
      return checkDnsSubdomain(value);
    case 'path-segment':
      return checkPathSegment(value);
  }
}

/** Label and annotation keys: an optional DNS-subdomain prefix, a slash, and a name of at most 63 characters. */
export function checkLabelKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) {
    return `a qualified name ${NAME_PART_MSG.replace('name part ', '')}`;
  }
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    if (prefix.length === 0) {
      return 'prefix part must be non-empty';
    }
    const prefixProblem = checkDnsSubdomain(prefix);
    if (prefixProblem) {
      return `prefix part ${prefixProblem}`;
    }
  }
  if (!name) {
    return 'name part must be non-empty';
  }
  if (name.length > 63) {
    return `name part ${tooLong(63)}`;
  }
  return QUALIFIED_NAME_PART.test(name) ? undefined : NAME_PART_MSG;
}

export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63) {
    return tooLong(63);
  }
  return LABEL_VALUE.test(value) ? undefined : LABEL_VALUE_MSG;
}
