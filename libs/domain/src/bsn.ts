/**
 * The BSN elfproef: nine digits d1..d9 with 9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11.
 * (Eight-digit BSNs are written with a leading zero.)
 */
export function isValidBsn(value: string): boolean {
  if (!/^[0-9]{9}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(value[i]) * (9 - i);
  sum -= Number(value[8]);
  return sum % 11 === 0 && value !== '000000000';
}

/** A nine-digit run anywhere in a text that passes the elfproef: used to scan logs and topics for leaks. */
/** A UUID (left as it is: nine digits inside one are not a BSN) or a nine-digit run. */
const UUID_OR_NINE_DIGITS = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<![0-9])[0-9]{9}(?![0-9])/g;

export function findBsnLike(text: string): string[] {
  return (text.match(UUID_OR_NINE_DIGITS) ?? []).filter((m) => m.length === 9 && isValidBsn(m));
}

/** Replaces every nine-digit run that passes the elfproef by '[bsn]', except inside a UUID (a message or family id stays searchable). */
export function maskBsns(text: string): string {
  return text.replace(UUID_OR_NINE_DIGITS, (match) => (match.length === 9 && isValidBsn(match) ? '[bsn]' : match));
}

/**
 * A UUID, or nine digits not touching another digit, written together or in groups separated by
 * one space, dot or dash each (123456782, 1234 56 782, 123.456.782): how people type a BSN.
 */
const UUID_OR_TYPED_NINE_DIGITS = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<![0-9][ .-]?)[0-9](?:[ .-]?[0-9]){8}(?![ .-]?[0-9])/g;

/**
 * For free text a person typed: replaces every number that passes the elfproef by '[bsn]', also
 * when written in groups (1234 56 782, 123.456.782), but never part of a longer number (a phone
 * number, an IBAN's digits) and never inside a UUID. A nine-digit number that fails the elfproef
 * is left as typed.
 */
export function maskBsnsInText(text: string): string {
  return text.replace(UUID_OR_TYPED_NINE_DIGITS, (match) => {
    if (match.length > 17) return match;
    return isValidBsn(match.replace(/[ .-]/g, '')) ? '[bsn]' : match;
  });
}
