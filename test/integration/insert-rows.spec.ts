/**
 * insertRows: one statement per call whatever the number of rows, with every kind of value the
 * hub's tables hold arriving unchanged, in the order given.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, insertRows } from '@ketenhub/persistence';
import { createTestDatabase } from '../support/test-env';

describe('insertRows', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = createDataSource(await createTestDatabase(), 2);
    await db.initialize();
    await db.query(`CREATE TABLE scratch (
      seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, label varchar(20), body bytea, doc jsonb, tags text[], at timestamptz, n bigint, ok boolean)`);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const columns = 'id uuid, label text, body bytea, doc jsonb, tags text[], at timestamptz, n int8, ok boolean';

  it('keeps every value and numbers the rows in the order given', async () => {
    const hostile = ['a,b', '"quoted"', 'back\\slash', '{braces}', 'NULL', '', 'ëñ 🙂', "it's"];
    const rows = Array.from({ length: 1500 }, (_, k) => [
      randomUUID(), hostile[k % hostile.length], k % 7 === 0 ? null : randomBytes(k % 50), k % 5 === 0 ? null : JSON.stringify({ k, text: hostile[k % hostile.length], nested: [1, { x: null }] }),
      k % 3 === 0 ? null : [hostile[k % hostile.length], null, `t${k}`], new Date(Date.UTC(2026, 0, 1, 0, 0, 0, k)).toISOString(), String(2 ** 40 + k), k % 2 === 0,
    ]);
    await insertRows(db.manager, 'scratch', columns, rows);
    const back: Array<Record<string, any>> = await db.query(
      `SELECT id, label, body, doc, tags, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, n::text AS n, ok FROM scratch ORDER BY seq`);
    expect(back).toHaveLength(rows.length);
    back.forEach((r, k) => {
      const [id, label, body, doc, tags, at, n, ok] = rows[k];
      expect(r).toEqual({ id, label, body, doc: doc === null ? null : JSON.parse(doc as string), tags, at, n, ok });
    });
  });

  it('hands back what RETURNING gives and honours the tail', async () => {
    const existing = randomUUID();
    await insertRows(db.manager, 'scratch', 'id uuid, label text', [[existing, 'first']]);
    const fresh = randomUUID();
    const returned = await insertRows<{ id: string }>(db.manager, 'scratch', 'id uuid, label text',
      [[existing, 'again'], [fresh, 'new']], 'ON CONFLICT (id) DO NOTHING RETURNING id');
    expect(returned).toEqual([{ id: fresh }]);
    expect(await db.query('SELECT label FROM scratch WHERE id = $1', [existing])).toEqual([{ label: 'first' }]);
  });

  it('says which column a value does not fit, and writes nothing of the statement', async () => {
    const before = Number((await db.query('SELECT count(*) AS n FROM scratch'))[0].n);
    await expect(insertRows(db.manager, 'scratch', 'id uuid, label text', [[randomUUID(), 'fits'], [randomUUID(), 'x'.repeat(21)]]))
      .rejects.toThrow(/too long for type character varying\(20\)/);
    await expect(insertRows(db.manager, 'scratch', 'id uuid, body bytea', [[randomUUID(), 'not a buffer']])).rejects.toThrow('scratch.body takes a Buffer or null');
    await expect(insertRows(db.manager, 'scratch', 'id uuid, label text', [[randomUUID()]])).rejects.toThrow('every row needs 2 values (id, label), got rows of 1');
    expect(Number((await db.query('SELECT count(*) AS n FROM scratch'))[0].n)).toBe(before);
  });
});
