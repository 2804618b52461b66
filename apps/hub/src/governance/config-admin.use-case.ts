import type { DataSource } from 'typeorm';
import type { Contracts } from '@ketenhub/contracts';
import { ConfigVersionStore, type ConfigActivation } from '@ketenhub/persistence';
import { diffRegions, explainEvent, parseRegion, type Explanation, type Region, type ReplayReport } from '@ketenhub/routing';
import { ConfigReplayUseCase, replayPeriod } from './config-replay.use-case';

export interface RegionSummary {
  region: string;
  name: string;
  version: string;
  regieTable: { table: string; version: string };
  counts: { municipalities: number; partners: number; legalBases: number; routes: number; regieTableRows: number };
}

/**
 * The information manager's configuration surface over HTTP: what runs, is a text valid, what
 * would change, who would receive an event, and what the last period would have looked like.
 * The same functions as `npm run config`; a region text that is not valid throws RegionConfigError
 * with every problem.
 */
export class ConfigAdminUseCase {
  private readonly versions = new ConfigVersionStore();
  private readonly replays: ConfigReplayUseCase;

  constructor(private readonly deps: { dataSource: DataSource; contracts: Contracts; region: Region }) {
    this.replays = new ConfigReplayUseCase(deps);
  }

  /** The version this hub runs, the active one in the database (the last activated, by any hub), and who activated what when. */
  async status(): Promise<{ running: { region: string; version: string }; active: ConfigActivation | null; history: ConfigActivation[] }> {
    const db = this.deps.dataSource.manager;
    const [active, history] = await Promise.all([this.versions.active(db), this.versions.history(db)]);
    return { running: { region: this.deps.region.config.region, version: this.deps.region.version }, active: active ?? null, history };
  }

  validate(regionYaml: string): RegionSummary {
    return summary(this.parse(regionYaml));
  }

  /** What the text changes against the active version. */
  async diff(regionYaml: string): Promise<{ active: string; candidate: string; changes: string[] }> {
    const candidate = this.parse(regionYaml);
    const { region: active } = await this.replays.activeRegion();
    return { active: active.version, candidate: candidate.version, changes: diffRegions(canonicalTable(active), canonicalTable(candidate)) };
  }

  /** Who would receive the event under the region this hub runs (or under `regionYaml`, when given), and what of it. */
  explain(event: unknown, facts: { municipality?: string; involved?: string[] }, regionYaml?: string): Explanation {
    const region = regionYaml === undefined ? this.deps.region : this.parse(regionYaml);
    return explainEvent(region, this.deps.contracts, Buffer.from(JSON.stringify(event)), facts);
  }

  async replay(regionYaml: string, since?: string, until?: string): Promise<ReplayReport> {
    const period = replayPeriod(since, until);
    return this.replays.replay(this.parse(regionYaml), period);
  }

  private parse(regionYaml: string): Region {
    return parseRegion(regionYaml, 'region.yaml', this.deps.contracts);
  }
}

/**
 * The stored version's table comes back from jsonb with its object keys reordered, and
 * diffRegions compares by JSON text: with the keys of both tables in one order, only real
 * changes show.
 */
function canonicalTable(region: Region): Region {
  return { ...region, regieTable: sortKeys(region.regieTable) };
}

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])])) as T;
}

function summary(region: Region): RegionSummary {
  const c = region.config;
  return {
    region: c.region, name: c.name, version: region.version,
    regieTable: { table: region.regieTable.table, version: region.regieTable.version },
    counts: { municipalities: c.municipalities.length, partners: c.partners.length, legalBases: c.legalBases.length, routes: c.routes.length, regieTableRows: region.regieTable.rows.length },
  };
}
