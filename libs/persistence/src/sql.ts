import type { EntityManager } from 'typeorm';

/**
 * Inserts rows in one statement whose text does not depend on how many rows there are: one array
 * parameter per column, unnested (`INSERT … SELECT … FROM unnest($1::uuid[], $2::text[], …)`).
 * A VALUES list with a parameter per value made every group a new statement with thousands of
 * parameters for PostgreSQL to parse and plan (27 ms per plan for 500 audit rows, measured with
 * pg_stat_statements; see docs/BENCHMARKS.md, seventh round).
 *
 * `columns` names each column with its PostgreSQL type, as in a table definition:
 * `'message_id uuid, topic text, value bytea, headers jsonb'`. Rows go in in the order given (the
 * statement orders by each row's position), so a bigserial column numbers them in that order.
 * Answers what RETURNING gave, in order.
 *
 * How values travel: each column as one array in PostgreSQL's binary format (node-postgres sends
 * a Buffer as is), so nothing is escaped on the way out or parsed as an array literal on the way
 * in. A `bytea` column goes as a bytea[] of the bytes themselves; every other column as a text[]
 * of each value's text (a number as digits, a Date as ISO 8601, an object as JSON), which the
 * statement casts to the column's type, the same parse a text parameter gets. An array column
 * (`text[]`) goes as the text of each row's array literal (unnest would flatten a 2-D array).
 */
export async function insertRows<T = unknown>(db: EntityManager, table: string, columns: string, rows: unknown[][], tail = ''): Promise<T[]> {
  if (rows.length === 0) return [];
  const spec = parseColumns(columns);
  const widths = new Set(rows.map((row) => row.length));
  if (widths.size !== 1 || !widths.has(spec.length)) {
    throw new Error(`insertRows into ${table}: every row needs ${spec.length} values (${spec.map((c) => c.name).join(', ')}), got rows of ${[...widths].join(', ')}`);
  }
  const params = spec.map((column, i) => {
    const where = `${table}.${column.name}`;
    const values = rows.map((row) => row[i]);
    return column.type === 'bytea' ? byteaArray(values, where) : binaryArray(TEXT_OID, values.map((value) => asText(value, column.type, where)));
  });
  const names = spec.map((c) => c.name).join(', ');
  const unnested = spec.map((c, i) => `$${i + 1}::${c.type === 'bytea' ? 'bytea' : 'text'}[]`).join(', ');
  const selected = spec.map((c) => (c.type === 'bytea' || c.type === 'text' ? `u.${c.name}` : `u.${c.name}::${c.type}`)).join(', ');
  return db.query(
    `INSERT INTO ${table} (${names}) SELECT ${selected} FROM unnest(${unnested}) WITH ORDINALITY AS u(${names}, row_position) ORDER BY u.row_position ${tail}`,
    params);
}

interface ColumnSpec { name: string; type: string }

const columnCache = new Map<string, ColumnSpec[]>();

function parseColumns(columns: string): ColumnSpec[] {
  let spec = columnCache.get(columns);
  if (!spec) {
    spec = columns.split(',').map((part) => {
      const match = /^\s*([a-z_][a-z0-9_]*)\s+([a-z][a-z0-9_ ]*(\[\])?)\s*$/.exec(part);
      if (!match) throw new Error(`insertRows: '${part.trim()}' is not 'column type'`);
      return { name: match[1], type: match[2].trim() };
    });
    columnCache.set(columns, spec);
  }
  return spec;
}

const BYTEA_OID = 17;
const TEXT_OID = 25;

/** A one-dimensional bytea[]; each value a Buffer or null. */
function byteaArray(values: unknown[], where: string): Buffer {
  for (const value of values) {
    if (value !== null && value !== undefined && !Buffer.isBuffer(value)) throw new Error(`insertRows: ${where} takes a Buffer or null`);
  }
  return binaryArray(BYTEA_OID, values.map((value) => (Buffer.isBuffer(value) ? value : null)));
}

/**
 * An array in PostgreSQL's binary format (array_recv), which node-postgres sends as is because it
 * is a Buffer: no escaping on the way out, no parsing of a literal on the way in. Header: one
 * dimension, whether there are NULLs, the element type's oid, the dimension's length and lower
 * bound (1); then each element as its byte length (-1 for NULL) and its bytes.
 */
function binaryArray(elementOid: number, values: Array<Buffer | string | null>): Buffer {
  let size = 20;
  let nulls = 0;
  for (const value of values) {
    if (value === null) nulls = 1;
    size += 4 + (value === null ? 0 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(1, 0);
  out.writeInt32BE(nulls, 4);
  out.writeInt32BE(elementOid, 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  let at = 20;
  for (const value of values) {
    if (value === null) {
      out.writeInt32BE(-1, at);
      at += 4;
    } else if (typeof value === 'string') {
      const length = out.write(value, at + 4, 'utf8');
      out.writeInt32BE(length, at);
      at += 4 + length;
    } else {
      out.writeInt32BE(value.length, at);
      value.copy(out, at + 4);
      at += 4 + value.length;
    }
  }
  return out;
}

/** A value as the text its column's type reads (the cast in the statement parses it, as a text parameter would be). */
function asText(value: unknown, type: string, where: string): string | null {
  if (value === null || value === undefined) return null;
  if (type.endsWith('[]')) return textArrayLiteral(value, where);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) throw new Error(`insertRows: ${where} is ${type}, not bytea, and takes no Buffer`);
  return JSON.stringify(value);
}

/** `{"a","b \"quoted\""}`: a one-dimensional array of strings (or nulls) as PostgreSQL reads it, quotes and backslashes escaped. */
function textArrayLiteral(value: unknown, where: string): string {
  if (!Array.isArray(value)) throw new Error(`insertRows: ${where} takes an array or null`);
  return `{${value.map((element) => (element === null || element === undefined ? 'NULL' : `"${String(element).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}
