import type { EntityManager } from 'typeorm';

/** PostgreSQL's limit on the bind parameters of one statement (a 16-bit count in the protocol). */
const MAX_PARAMETERS = 65_535;

/**
 * `${head} VALUES (…), (…) ${tail}` for every row, in as few statements as the parameter limit
 * allows (one for any group the hub applies). Rows go in in the order given, so a bigserial
 * column numbers them in that order. Answers what RETURNING gave, in order.
 */
export async function insertRows<T = unknown>(db: EntityManager, head: string, rows: unknown[][], tail = ''): Promise<T[]> {
  if (rows.length === 0) return [];
  const perStatement = Math.floor(MAX_PARAMETERS / rows[0].length);
  const returned: T[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
    const answer: T[] = await db.query(`${head} VALUES ${tuples.join(', ')} ${tail}`, params);
    returned.push(...answer);
  }
  return returned;
}
