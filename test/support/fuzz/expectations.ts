/**
 * What the hub must answer to a message, from its documented order of checks (docs/MESSAGES.md,
 * libs/contracts/src/decode.ts): size, UTF-8, JSON (text the hub cannot keep counts as bad JSON),
 * envelope, source, type, data, the role's right to publish, then the family transaction. A
 * generated message carries the reason of the check it was built to fail; a message that also
 * fails an earlier check must get that earlier reason.
 */

/** The reason for text the hub cannot store or pass on: U+0000 or an unpaired surrogate, anywhere. */
export const UNKEEPABLE_REASON = 'ONGELDIGE_JSON';

/** Reasons only the family transaction gives: over HTTPS these come after a 202, on the partner's feed. */
export const LATE_REASONS: ReadonlySet<string> = new Set(['ONBEKENDE_PERSOON', 'PERSONEN_IN_MEERDERE_GEZINNEN', 'ONGELDIGE_TOESTEMMING', 'ID_HERGEBRUIKT']);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface Expected {
  reason: string;
  /** A pointer the hub's errors must contain, or be above or below. */
  pointer?: string;
}

/** Applies the earlier checks to bytes built to fail `intended`. */
export function expectedFor(bytes: Buffer | null, maxBytes: number, intended: Expected): Expected {
  if (bytes === null || bytes.length === 0) return { reason: 'ONGELDIGE_JSON', pointer: '' };
  if (bytes.length > maxBytes) return { reason: 'TE_GROOT', pointer: '' };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { reason: 'ONGELDIGE_UTF8', pointer: '' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: 'ONGELDIGE_JSON', pointer: '' };
  }
  if (intended.reason === 'ONGELDIGE_JSON' && intended.pointer === '') throw new Error('generator: text built to be bad JSON parses');
  const unkeepable = firstUnkeepable(value);
  if (unkeepable !== undefined) return { reason: UNKEEPABLE_REASON, pointer: unkeepable };
  if (intended.reason === 'ONGELDIGE_UTF8' || intended.reason === 'TE_GROOT') throw new Error(`generator: bytes built to be ${intended.reason} are not`);
  return intended;
}

/** The HTTP status POST /events answers for a reason (a late reason: 202, refused later). */
export function statusFor(reason: string): number {
  switch (reason) {
    case 'TE_GROOT': return 413;
    case 'BRON_KLOPT_NIET':
    case 'NIET_TOEGESTAAN': return 403;
    case 'ID_HERGEBRUIKT': return 409;
    case 'NIET_ONDERSTEUND': return 415;
    default: return LATE_REASONS.has(reason) ? 202 : 400;
  }
}

/** Two pointers name the same spot, or one lies inside the other. */
export function related(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

const UNPAIRED = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The pointer to the first string (or, for a property name, the object holding it) with U+0000
 * or an unpaired surrogate, in document order; undefined when all text can be kept. Iterative:
 * messages nest ten thousand deep.
 */
export function firstUnkeepable(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, at] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (UNPAIRED.test(value)) return at;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${at}/${i}`]);
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.some(([key]) => UNPAIRED.test(key))) return at;
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], `${at}/${entries[i][0].replace(/~/g, '~0').replace(/\//g, '~1')}`]);
    }
  }
  return undefined;
}
