/**
 * Values as PostgreSQL gives them back, for code that keeps in memory what it also writes and
 * must see the same thing it would read back.
 */

/**
 * A JSON value in the key order jsonb stores and returns: in every object, shorter keys first,
 * keys of one length by their UTF-8 bytes. (jsonb does not keep the order keys were written in.)
 */
export function inJsonbKeyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbKeyOrder);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value).map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }));
  keys.sort((a, b) => a.bytes.length - b.bytes.length || Buffer.compare(a.bytes, b.bytes));
  return Object.fromEntries(keys.map(({ key }) => [key, inJsonbKeyOrder((value as Record<string, unknown>)[key])]));
}

/**
 * An ISO 8601 time as microseconds since 1970, the precision of timestamptz (digits past the
 * sixth are dropped, where PostgreSQL rounds them).
 */
export function epochMicros(iso: string): number {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new Error(`'${iso}' is not an ISO 8601 time`);
  const fraction = /T\d\d:\d\d:\d\d[.,](\d+)/.exec(iso)?.[1] ?? '';
  return millis * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}
