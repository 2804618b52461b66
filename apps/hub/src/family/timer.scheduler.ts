import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { Contracts } from '@ketenhub/contracts';
import type { HubConfig } from '@ketenhub/config';
import { HUB_SOURCE, Topics } from '@ketenhub/messaging';
import { foldFamily, kaderOf } from '@ketenhub/domain';
import { AuditStore, ConsentStore, OutboxStore, RegieStore } from '@ketenhub/persistence';
import { resolveRecipients, type Region, systemIdOf } from '@ketenhub/routing';
import { timerMessageId } from '../ids';
import { ConsentGate } from '../ingress/consent-gate';
import { DisclosureBatch } from '../ingress/disclosures';
import { OutboxRelay } from '../relay/outbox.relay';
import { CONTRACTS, DATA_SOURCE, HUB_CONFIG, REGION } from '../tokens';

interface DueTimer {
  id: string;
  family_id: string;
  kind: string;
  due_at: Date;
  person_id: string | null;
  municipality: string | null;
  phase: 'warn' | 'fire';
}

/**
 * Fires the deadlines kept in the timer table. Each timer is warned and fired in a transaction
 * that also writes its messages and audit records, so a hub that restarts neither loses a
 * deadline nor sends it twice; several hubs share the work with SKIP LOCKED.
 */
@Injectable()
export class TimerScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly regie = new RegieStore();
  private readonly audit: AuditStore;
  private readonly consent: ConsentGate;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGION) private readonly region: Region,
    @Inject(CONTRACTS) private readonly contracts: Contracts,
    private readonly topics: Topics,
    private readonly outbox: OutboxStore,
    private readonly relay: OutboxRelay,
    @InjectPinoLogger(TimerScheduler.name) private readonly logger: PinoLogger,
  ) {
    this.consent = new ConsentGate(region, new ConsentStore());
    this.audit = new AuditStore(config.secrets.auditChainKey);
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.fireDue()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'timers could not fire; will retry'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.config.timerPollMs);
        });
    };
    tick();
  }

  /** Fires what is due now; returns how many timers it handled. */
  async fireDue(): Promise<number> {
    const handled = await this.dataSource.transaction(async (db) => {
      const due: DueTimer[] = await db.query(
        `SELECT t.id, t.family_id, t.kind, t.due_at, t.person_id, f.municipality,
                CASE WHEN t.due_at <= now() THEN 'fire' ELSE 'warn' END AS phase
         FROM timer t JOIN family f ON f.id = t.family_id
         WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL
           AND (t.due_at <= now() OR (t.warn_at <= now() AND t.warned_at IS NULL))
         ORDER BY t.due_at LIMIT 100 FOR UPDATE OF t SKIP LOCKED`);
      if (due.length === 0) return 0;
      const batch = new DisclosureBatch({ contracts: this.contracts, topics: this.topics, region: this.region, outbox: this.outbox, audit: this.audit, systemId: systemIdOf(this.region) });
      for (const t of due) await this.disclose(db, batch, t);
      await batch.flush(db);
      await db.query(`UPDATE timer SET fired_at = now() WHERE id = ANY($1::bigint[])`, [due.filter((t) => t.phase === 'fire').map((t) => t.id)]);
      await db.query(`UPDATE timer SET warned_at = now() WHERE id = ANY($1::bigint[])`, [due.filter((t) => t.phase === 'warn').map((t) => t.id)]);
      return due.length;
    });
    if (handled > 0) {
      this.logger.info({ timers: handled }, 'deadlines signalled');
      this.relay.nudge();
    }
    return handled;
  }

  private async disclose(db: EntityManager, batch: DisclosureBatch, t: DueTimer): Promise<void> {
    const record = await this.regie.current(db, t.family_id);
    const dueAt = new Date(t.due_at).toISOString();
    const { type, data } = this.eventFor(t, dueAt);
    const involved: string[] = (await db.query('SELECT partner_id FROM involvement WHERE family_id = $1', [t.family_id])).map((r: { partner_id: string }) => r.partner_id);
    // The family as it stands now: route conditions and consent are checked at the moment of sending.
    const state = foldFamily(await this.regie.events(db, t.family_id));
    const now = new Date().toISOString();
    const disclosure = {
      type, time: now, data, familyId: t.family_id, causationId: `timer:${t.id}`, actor: null,
      recipients: resolveRecipients(this.region, {
        eventType: type, senderId: HUB_SOURCE, municipality: t.municipality ?? undefined, involved,
        relations: { REGISSEUR: record?.regisseurPartner ? [record.regisseurPartner] : [] },
        kader: kaderOf(state), perspectief: state.perspective,
      }),
      messageId: (recipient: string) => timerMessageId(t.id, t.phase, recipient),
    };
    const { allowed, refused } = await this.consent.split(db, t.family_id, disclosure.recipients, data, state, now);
    for (const { recipient, reason } of refused) batch.withhold({ ...disclosure, recipients: [recipient] }, `consent: ${reason}`);
    batch.add({ ...disclosure, recipients: allowed });
  }

  private eventFor(t: DueTimer, dueAt: string): { type: string; data: Record<string, unknown> } {
    if (t.phase === 'warn') return { type: 'nl.ketenhub.hub.termijn-nadert.v1', data: { termijn: t.kind, uiterlijk: dueAt } };
    switch (t.kind) {
      case 'ACHTTIEN_PLUS':
        return { type: 'nl.ketenhub.hub.achttien-plus-overdracht.v1', data: { persoon: { persoonId: t.person_id }, verjaardag: this.eighteenth(t, dueAt) } };
      case 'STAGNATIE':
        return { type: 'nl.ketenhub.hub.stagnatie-gesignaleerd.v1', data: { sinds: new Date(Date.parse(dueAt) - this.region.ruleSettings.stagnatieDagen * 86_400_000).toISOString() } };
      case 'PERSPECTIEF_THUIS_ZONDER_AMBULANTE_HULP':
        return { type: 'nl.ketenhub.hub.perspectief-signaal.v1', data: { soort: 'THUIS_ZONDER_AMBULANTE_HULP', oorzaak: `timer:${t.id}` } };
      default:
        return { type: 'nl.ketenhub.hub.termijn-verstreken.v1', data: { termijn: t.kind, uiterlijk: dueAt } };
    }
  }

  private eighteenth(_t: DueTimer, dueAt: string): string {
    return new Date(Date.parse(dueAt) + this.region.ruleSettings.achttienPlusVoorloopDagen * 86_400_000).toISOString().slice(0, 10);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
