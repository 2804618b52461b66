import type { DataSource, EntityManager } from 'typeorm';
import type { Contracts } from '@ketenhub/contracts';
import { ConfigVersionStore, ReplaySource, type ConfigActivation, type ReplayPeriod } from '@ketenhub/persistence';
import { regionFromContent, replay, RegionConfigError, type Region, type RegionContent, type ReplayReport } from '@ketenhub/routing';

export enum ConfigAdminErrorCode {
  NoActiveVersion = 'NO_ACTIVE_VERSION',
  ActiveVersionUnreadable = 'ACTIVE_VERSION_UNREADABLE',
  BadPeriod = 'BAD_PERIOD',
}

export class ConfigAdminError extends Error {
  constructor(readonly code: ConfigAdminErrorCode, message: string) {
    super(message);
    this.name = 'ConfigAdminError';
  }
}

export const DEFAULT_REPLAY_DAYS = 30;

/** The period from optional ISO times: until defaults to now, since to 30 days before until. */
export function replayPeriod(since: string | undefined, until: string | undefined, now: Date = new Date()): ReplayPeriod {
  const parse = (value: string, name: string): number => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new ConfigAdminError(ConfigAdminErrorCode.BadPeriod, `${name} '${value}' is not an ISO 8601 time (e.g. 2026-11-01T00:00:00Z)`);
    return ms;
  };
  const end = until !== undefined ? parse(until, 'until') : now.getTime();
  const start = since !== undefined ? parse(since, 'since') : end - DEFAULT_REPLAY_DAYS * 86_400_000;
  if (start >= end) throw new ConfigAdminError(ConfigAdminErrorCode.BadPeriod, `the period is empty: since ${new Date(start).toISOString()} is not before until ${new Date(end).toISOString()}`);
  return { since: new Date(start).toISOString(), until: new Date(end).toISOString() };
}

/**
 * The configuration that runs now (the last activation in the database, rebuilt from the content
 * stored with it) and the replay of a period's events against a candidate. Used by
 * `npm run config -- replay` and by POST /admin/config/replay and /diff.
 */
export class ConfigReplayUseCase {
  private readonly versions = new ConfigVersionStore();
  private readonly source = new ReplaySource();

  constructor(private readonly deps: { dataSource: DataSource; contracts: Contracts }) {}

  async activeRegion(db: EntityManager = this.deps.dataSource.manager): Promise<{ region: Region; activation: ConfigActivation }> {
    const activation = await this.versions.active(db);
    if (!activation) throw new ConfigAdminError(ConfigAdminErrorCode.NoActiveVersion, 'no region configuration has been activated in this database (a hub records its version when it starts)');
    const content = await this.versions.content(db, activation.version);
    if (!isRegionContent(content)) {
      throw new ConfigAdminError(ConfigAdminErrorCode.ActiveVersionUnreadable, `the content stored for active version ${activation.version} is not a region configuration`);
    }
    try {
      const region = regionFromContent(content, `active version ${activation.version}`, this.deps.contracts);
      // Named by the id it was activated under: the stored table comes back from jsonb with its
      // keys reordered, so a hash recomputed from the content need not be that id.
      return { region: { ...region, version: activation.version }, activation };
    } catch (error) {
      if (error instanceof RegionConfigError) {
        throw new ConfigAdminError(ConfigAdminErrorCode.ActiveVersionUnreadable, `active version ${activation.version} no longer reads as a region configuration: ${error.problems.join('; ')}`);
      }
      throw error;
    }
  }

  /**
   * Replays the events the hub took in during `period` against the active version and
   * `candidate`, from one read-only snapshot. `progress` hears of every 1000 events read and
   * replayed, for long periods.
   */
  async replay(candidate: Region, period: ReplayPeriod, progress: (message: string) => void = () => undefined): Promise<ReplayReport> {
    const { contracts } = this.deps;
    return this.deps.dataSource.transaction('REPEATABLE READ', async (db) => {
      await db.query('SET TRANSACTION READ ONLY');
      const { region: active } = await this.activeRegion(db);
      const events = await this.source.events(db, period, (n) => { if (n % 1000 === 0) progress(`${n} events read`); });
      const families = await this.source.families(db, events.map((e) => e.familyId), (n) => progress(`${n} families read`));
      return replay({ events, families, period }, active, candidate, {
        mayPublish: (role, type) => contracts.publishersOf(type).includes(role),
        onProgress: (n, total) => progress(`${n} of ${total} events replayed`),
      });
    });
  }
}

function isRegionContent(value: unknown): value is RegionContent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.regionYaml === 'string' && typeof v.regieTable === 'object' && v.regieTable !== null;
}
