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
    return { pointer, keyword: error.keyword, message: error.message ?? error.keyword };
  });
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
