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
