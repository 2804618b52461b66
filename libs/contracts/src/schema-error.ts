import type { ErrorObject } from 'ajv';

/** One reason a message was refused: where (JSON pointer), which check (keyword), and what. */
export interface SchemaError {
  pointer: string;
  keyword: string;
  message: string;
}

/**
 * Turns ajv's errors into pointers at the offending spot. For `required` and
 * `additionalProperties` the pointer names the missing or extra property itself. Messages never
 * quote the rejected value, so no BSN or name can leak into a reason.
 */
export function toSchemaErrors(errors: ErrorObject[] | null | undefined, prefix = ''): SchemaError[] {
  return (errors ?? []).map((error) => {
    let pointer = prefix + error.instancePath;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${escapePointer(params.missingProperty)}`;
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer += `/${escapePointer(params.additionalProperty)}`;
    }
    return boundedError({ pointer, keyword: error.keyword, message: error.message ?? error.keyword });
  });
}

/** At most this many errors are listed for one message; the rest are only counted. */
export const MAX_LISTED_ERRORS = 20;
/** Longest pointer, keyword and message an error carries (a property name may be any length). */
export const MAX_POINTER_LENGTH = 300;
export const MAX_ERROR_TEXT_LENGTH = 300;

/**
 * The errors of one message as the hub reports them: at most MAX_LISTED_ERRORS, each of bounded
 * length. `omitted` counts the errors found and not listed; `complete` is false when the message
 * was too large to check in full and was checked up to its first error only (see Contracts).
 */
export interface SchemaCheck {
  errors: SchemaError[];
  omitted: number;
  complete: boolean;
}

/** The first MAX_LISTED_ERRORS of a full list, and how many were left out. */
export function capErrors(errors: readonly SchemaError[], max = MAX_LISTED_ERRORS): SchemaCheck {
  return { errors: errors.slice(0, max).map(boundedError), omitted: Math.max(0, errors.length - max), complete: true };
}

/** One error cut to the lengths above; a cut text ends in '…' so the reader sees it was cut. */
export function boundedError(error: SchemaError): SchemaError {
  return {
    pointer: cut(error.pointer, MAX_POINTER_LENGTH),
    keyword: cut(error.keyword, MAX_ERROR_TEXT_LENGTH),
    message: cut(error.message, MAX_ERROR_TEXT_LENGTH),
  };
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never end on the first half of a surrogate pair: the cut text must stay storable.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
