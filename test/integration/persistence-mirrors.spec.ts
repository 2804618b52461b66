/**
 * What the group path relies on PostgreSQL for, checked against the real server:
 *   - the outbox hands out seqs in commit order, so the relay may read on from the last seq it
 *     published (a transaction adding messages waits for an earlier one that has not committed);
 *   - a timer wanted as it already is gets no new row version (each event re-states them all);
 *   - the values the group context keeps in memory are the ones PostgreSQL would give back
 *     (jsonb's key order, timestamptz's microseconds).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, epochMicros, FamilyStore, inJsonbKeyOrder, migrate, OutboxStore, RegieStore, type OutboxMessage } from '@ketenhub/persistence';
import { createTestDatabase } from '../support/test-env';

describe('PostgreSQL behaviour the group path relies on', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource(await createTestDatabase(), 4);
    await dataSource.initialize();
    await migrate(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** Message ids are uuids; `named` remembers which is which. */
  const named = new Map<string, string>();
  const message = (name: string): OutboxMessage => {
    const messageId = randomUUID();
    named.set(messageId, name);
    return { messageId, topic: 't', key: null, value: Buffer.from(name), headers: {}, familyId: null };
  };

  jest.setTimeout(20_000);

  it('gives outbox seqs in commit order: a second writer waits until the first commits, and gets the higher seq', async () => {
    const outbox = new OutboxStore();
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => { releaseFirst = resolve; });
    let firstAdded!: () => void;
    const firstHasAdded = new Promise<void>((resolve) => { firstAdded = resolve; });

    const first = dataSource.transaction(async (db) => {
      await outbox.add(db, [message('first')]);
      firstAdded();
      await firstMayCommit;
      events.push('first commits');
    });
    await firstHasAdded;
    const second = dataSource.transaction(async (db) => {
      await outbox.add(db, [message('second')]);
      events.push('second added');
    });
    // Without the lock the second would add at once, taking a seq while a lower one is uncommitted.
    await new Promise((resolve) => setTimeout(resolve, 300));
    events.push('first released');
    releaseFirst();
    await Promise.all([first, second]);

    expect(events).toEqual(['first released', 'first commits', 'second added']);
    const rows: Array<{ message_id: string }> = await dataSource.query('SELECT message_id FROM outbox ORDER BY seq');
    expect(rows.map((r) => named.get(r.message_id))).toEqual(['first', 'second']);
  });

  it('publishes a prefix: pending is what lies after the relay\'s last recorded position, in seq order', async () => {
    const outbox = new OutboxStore();
    await dataSource.transaction((db) => outbox.add(db, ['a', 'b', 'c'].map((id) => message(`after-${id}`))));
    const all = await dataSource.transaction((db) => outbox.pending(db, 100));
    const names = (list: Array<{ messageId: string }>) => list.map((m) => named.get(m.messageId)).filter((n) => n?.startsWith('after-'));
    expect(names(all)).toEqual(['after-a', 'after-b', 'after-c']);
    const b = all.find((m) => named.get(m.messageId) === 'after-b')!;
    await dataSource.transaction((db) => outbox.markPublished(db, b.seq));
    // Everything up to b, a and the earlier tests' messages too, is published by one position row.
    const rest = await dataSource.transaction((db) => outbox.pending(db, 100));
    expect(rest.map((m) => named.get(m.messageId))).toEqual(['after-c']);
    expect(await dataSource.transaction((db) => outbox.backlog(db))).toBe(1);
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM outbox_published WHERE up_to_seq = $1', [b.seq]);
    expect(n).toBe(1);
  });

  it('leaves a timer wanted as it is untouched, and moves, cancels and revives the others', async () => {
    const regie = new RegieStore();
    const familyId = randomUUID();
    await new FamilyStore().createAll(dataSource.manager, [{ id: familyId, municipality: null }]);
    const version = async () => Object.fromEntries((await dataSource.query(
      'SELECT timer_key, xmin::text AS v, cancelled_at IS NOT NULL AS cancelled FROM timer WHERE family_id = $1', [familyId]))
      .map((r: { timer_key: string; v: string; cancelled: boolean }) => [r.timer_key, `${r.v}${r.cancelled ? ' cancelled' : ''}`]));
    const eighteen = { kind: 'ACHTTIEN_PLUS', key: 'achttien', dueAt: '2040-05-01T00:00:00.000Z', warnAt: '2039-11-01T00:00:00.000Z' };
    const deadline = { kind: 'TERMIJN', key: 'termijn', dueAt: '2027-01-10T00:00:00.000Z' };
    const sync = (timers: typeof deadline[]) => dataSource.transaction((db) => regie.syncTimersOf(db, new Map([[familyId, timers]])));

    await sync([eighteen, deadline]);
    const first = await version();
    await sync([eighteen, deadline]);
    expect(await version()).toEqual(first);

    await sync([eighteen, { ...deadline, dueAt: '2027-01-11T00:00:00.000Z' }]);
    const moved = await version();
    expect(moved.achttien).toBe(first.achttien);
    expect(moved.termijn).not.toBe(first.termijn);

    await sync([eighteen]);
    expect((await version()).termijn).toMatch(/ cancelled$/);
    await sync([eighteen, deadline]);
    const revived = await version();
    expect(revived.termijn).not.toMatch(/ cancelled$/);
    expect(revived.achttien).toBe(first.achttien);
  });

  it('orders object keys as jsonb does', async () => {
    const value = { zz: 1, a: { bbb: [{ yy: true, x: null }], aa: 'x' }, B: 2, é: 3, b: 4, ä: { 'long key': 1, k: 2 }, ab: 5 };
    const [{ back }] = await dataSource.query('SELECT $1::jsonb::text AS back', [JSON.stringify(value)]);
    expect(JSON.stringify(inJsonbKeyOrder(value))).toBe(JSON.stringify(JSON.parse(back)));
  });

  it('keeps the microseconds of a time as timestamptz does', async () => {
    const times = ['2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00+01:00', '2026-03-01T10:00:00.5-02:30', '1969-12-31T23:59:59.999999Z'];
    const rows: Array<{ us: string }> = await dataSource.query(
      'SELECT (extract(epoch FROM t) * 1000000)::bigint::text AS us FROM unnest($1::timestamptz[]) WITH ORDINALITY AS x(t, n) ORDER BY n', [times]);
    expect(times.map(epochMicros)).toEqual(rows.map((r) => Number(r.us)));
  });
});
