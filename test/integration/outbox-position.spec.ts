/**
 * The relay's position (outbox_published) replacing a published_at mark on every outbox row: the
 * migration turns what an older hub marked into a position without losing an unsent message, and
 * retention removes only what was published before its cutoff.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource, migrate, MIGRATIONS, OutboxStore, RetentionStore } from '@ketenhub/persistence';
import { createTestDatabase } from '../support/test-env';

describe('the outbox position', () => {
  let url: string;
  let db: DataSource;

  beforeAll(async () => {
    url = await createTestDatabase();
  });
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
  });

  const row = (name: string, publishedAgo: string | null) => db.query(
    `INSERT INTO outbox (message_id, topic, value, created_at, published_at)
     VALUES ($1, 'outbound.toegang-almere', $2, now() - interval '100 days', now() - $3::interval) RETURNING seq`,
    [randomUUID(), Buffer.from(name), publishedAgo]);

  it('migrates marks to a position: the longest published prefix, dated at its latest mark; nothing unsent is skipped', async () => {
    const before = MIGRATIONS.filter((m) => m.name !== 'OutboxPublished1764300000000');
    expect(before).toHaveLength(MIGRATIONS.length - 1);
    const old = new DataSource({ type: 'postgres', url, migrations: before, migrationsTableName: 'migrations' });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    db = old;
    await row('a', '50 days');
    const [{ seq: b }] = await row('b', '40 days');
    await row('c', null);
    // Published although c before it was not: possible before the outbox order lock.
    await row('d', '35 days');
    await old.destroy();

    db = createDataSource(url, 2);
    await db.initialize();
    expect(await migrate(db)).toEqual(['OutboxPublished1764300000000']);
    const positions: Array<{ up_to_seq: string; days: number }> = await db.query(
      `SELECT up_to_seq, round(extract(epoch FROM now() - published_at) / 86400)::int AS days FROM outbox_published`);
    expect(positions).toEqual([{ up_to_seq: b, days: 40 }]);
    const pending = await db.transaction((tx) => new OutboxStore().pending(tx, 100));
    expect(pending.map((m) => m.value?.toString())).toEqual(['c', 'd']);
    const columns: Array<{ column_name: string }> = await db.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox' AND column_name = 'published_at'");
    expect(columns).toEqual([]);
  });

  it('retention removes what the position passed before the cutoff, never what is after it, and drops positions that say nothing more', async () => {
    const outbox = new OutboxStore();
    const retention = new RetentionStore();
    // The relay publishes c and d now.
    const pending = await db.transaction((tx) => outbox.pending(tx, 100));
    await db.transaction((tx) => outbox.markPublished(tx, pending[pending.length - 1].seq));
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await db.transaction((tx) => retention.countPublishedMessages(tx, cutoff))).toBe(2);
    expect(await db.transaction((tx) => retention.removePublishedMessages(tx, cutoff, 100))).toBe(2);
    const left: Array<{ value: Buffer }> = await db.query('SELECT value FROM outbox ORDER BY seq');
    expect(left.map((r) => r.value.toString())).toEqual(['c', 'd']);
    // The position before the cutoff stays (it still bounds what the next run may take), as does the relay's latest.
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM outbox_published');
    expect(n).toBe(2);
    expect(await db.transaction((tx) => outbox.backlog(tx))).toBe(0);
    expect(await db.transaction((tx) => retention.removePublishedMessages(tx, new Date(Date.now() + 60_000), 100))).toBe(2);
    const [{ after }] = await db.query('SELECT count(*)::int AS after FROM outbox_published');
    expect(after).toBe(1);
  });
});
