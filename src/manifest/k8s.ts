// Kubernetes name and label syntax (apimachinery validation). Each check
// returns what is wrong in words, or undefined. Regexes are module constants: these run on every render.

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dns1035Label(v: string): string | undefined {
  if (v.length > 63) return `must be at most 63 characters, found ${v.length}`;
  if (!DNS1035_LABEL.test(v))
    return "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
  return undefined;
}

export function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return `must be at most 63 characters, found ${v.length}`;
  if (!DNS1123_LABEL.test(v))
    return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain <= 253, name <= 63. */
export function qualifiedName(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0) return "has an empty prefix before '/'";
    if (prefix.length > 253) return `prefix must be at most 253 characters, found ${prefix.length}`;
    if (!DNS1123_SUBDOMAIN.test(prefix))
      return "prefix must be a DNS subdomain (lower-case letters, digits, '-' and '.')";
  }
  if (name.length === 0) return "name part is empty";
  if (name.length > 63) return `name part must be at most 63 characters, found ${name.length}`;
  if (!QUALIFIED_NAME.test(name))
    return "name part must be letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

export function labelValue(v: string): string | undefined {
  if (v.length > 63) return `must be at most 63 characters, found ${v.length}`;
  if (!LABEL_VALUE.test(v))
    return "must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

/** Spark memory strings have their own module; re-exported here with the other syntax checks. */
export { sparkMemoryProblem as sparkMemory } from "./quantity.js";
