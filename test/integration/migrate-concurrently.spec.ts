/**
 * Several hubs started at once against a new database (a scaled-out deployment's first rollout,
 * or `npm run faults -- --hubs 2`): each runs the migrations on start. They must take turns, so
 * that every hub starts and the schema is made once.
 */
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, MIGRATIONS } from '@ketenhub/persistence';
import { createTestDatabase } from '../support/test-env';

describe('migrations run by several hubs at once', () => {
  const sources: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
  });

  it('all succeed, and every migration is applied exactly once', async () => {
    const url = await createTestDatabase();
    // A pool of one: the lock and the migrations share the connection.
    for (let i = 0; i < 4; i++) sources.push(createDataSource(url, 1));
    await Promise.all(sources.map((s) => s.initialize()));

    const results = await Promise.allSettled(sources.map((s) => migrate(s)));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const rows: Array<{ name: string }> = await sources[0].query('SELECT name FROM migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });
});
