/**
 * Finds every person reference ({ bsn } or { persoonId }) inside an event's data and rewrites
 * BSNs into persoonIds, so nothing the hub stores or sends carries a BSN.
 */
export type PersonRef = { bsn: string } | { persoonId: string };

function isRef(value: unknown): value is PersonRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && ((keys[0] === 'bsn' && typeof (value as { bsn: unknown }).bsn === 'string')
    || (keys[0] === 'persoonId' && typeof (value as { persoonId: unknown }).persoonId === 'string'));
}

export function collectPersonRefs(data: unknown): PersonRef[] {
  const out: PersonRef[] = [];
  const walk = (value: unknown): void => {
    if (isRef(value)) {
      out.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(walk);
    }
  };
  walk(data);
  return out;
}

/** A deep copy of `data` with each { bsn } replaced by { persoonId } from `personIdOf`. */
export function replaceBsns<T>(data: T, personIdOf: (bsn: string) => string): T {
  const walk = (value: unknown): unknown => {
    if (isRef(value)) return 'bsn' in value ? { persoonId: personIdOf(value.bsn) } : { ...value };
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(data) as T;
}

/**
 * A copy of `data` with `mask` applied to every string at the given paths (property names, '*'
 * for any array item; see freeTextPaths in @ketenhub/contracts); everything else as it was.
 * Answers how many strings changed, so the caller can count them without ever seeing what.
 */
export function maskStringsAt<T>(data: T, paths: ReadonlyArray<readonly string[]>, mask: (text: string) => string): { data: T; changed: number } {
  let changed = 0;
  const at = (value: unknown, path: readonly string[]): unknown => {
    if (path.length === 0) {
      if (typeof value !== 'string') return value;
      const masked = mask(value);
      if (masked !== value) changed++;
      return masked;
    }
    const [head, ...rest] = path;
    if (head === '*') return Array.isArray(value) ? value.map((item) => at(item, rest)) : value;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, head)) return value;
    return { ...(value as Record<string, unknown>), [head]: at((value as Record<string, unknown>)[head], rest) };
  };
  let out: unknown = data;
  for (const path of paths) out = at(out, path);
  return { data: out as T, changed };
}
