import type { EntityManager } from 'typeorm';

export interface ConfigActivation {
  version: string;
  previousVersion: string | null;
  activatedBy: string;
  activatedAt: string;
}

/** Every region configuration the hub has run, and who activated which when. */
export class ConfigVersionStore {
  /** The version running now: the last one activated. */
  async active(db: EntityManager): Promise<ConfigActivation | undefined> {
    const rows: Array<Record<string, any>> = await db.query(
      'SELECT version, previous_version, activated_by, activated_at FROM config_activation ORDER BY id DESC LIMIT 1');
    return rows.map(toActivation)[0];
  }

  async history(db: EntityManager, limit = 100): Promise<ConfigActivation[]> {
    const rows: Array<Record<string, any>> = await db.query(
      'SELECT version, previous_version, activated_by, activated_at FROM config_activation ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(toActivation);
  }

  async content(db: EntityManager, version: string): Promise<unknown | undefined> {
    const rows: Array<{ content: unknown }> = await db.query('SELECT content FROM config_version WHERE version = $1', [version]);
    return rows[0]?.content;
  }

  /**
   * Records that `version` runs from now on, unless it already is the active one. Serialised by
   * a transaction-scoped advisory lock, so two hubs starting together record one activation.
   */
  async activate(db: EntityManager, input: { version: string; region: string; content: unknown; activatedBy: string }): Promise<ConfigActivation | undefined> {
    await db.query("SELECT pg_advisory_xact_lock(hashtext('ketenhub.config_activation'))");
    const current = await this.active(db);
    if (current?.version === input.version) return undefined;
    await db.query('INSERT INTO config_version (version, region, content) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING',
      [input.version, input.region, JSON.stringify(input.content)]);
    const rows: Array<Record<string, any>> = await db.query(
      `INSERT INTO config_activation (version, previous_version, activated_by) VALUES ($1, $2, $3)
       RETURNING version, previous_version, activated_by, activated_at`,
      [input.version, current?.version ?? null, input.activatedBy]);
    return toActivation(rows[0]);
  }
}

function toActivation(r: Record<string, any>): ConfigActivation {
  return {
    version: r.version, previousVersion: r.previous_version, activatedBy: r.activated_by,
    activatedAt: new Date(r.activated_at).toISOString(),
  };
}
