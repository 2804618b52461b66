import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditStore, ConfigVersionStore, type ConfigActivation } from '@ketenhub/persistence';
import { regionContent, type Region } from '@ketenhub/routing';

/**
 * Records the region configuration this hub runs with. A version not active before is an
 * activation: stored with its full content, who activated it and when, and audited as a
 * configuration change, in one transaction. Every later decision and disclosure names this
 * version, so the content that decided is always retrievable.
 */
export async function activateRegion(dataSource: DataSource, audit: AuditStore, region: Region, activatedBy: string, systemId: string): Promise<ConfigActivation | undefined> {
  return dataSource.transaction(async (db) => {
    const activation = await new ConfigVersionStore().activate(db, {
      version: region.version, region: region.config.region, content: regionContent(region), activatedBy,
    });
    if (!activation) return undefined;
    await audit.append(db, [{
      auditId: randomUUID(), action: 'CONFIG_CHANGE', occurredAt: activation.activatedAt, outcome: 'SUCCESS', systemId,
      actorPartnerId: null, actorRole: 'INFORMATIEMANAGER', actorPerson: activatedBy, recipientPartnerId: null,
      purpose: `regioconfiguratie ${region.config.region} versie ${activation.version} geactiveerd${activation.previousVersion ? ` (was ${activation.previousVersion})` : ''}`,
      accessPoint: `file:${region.file}`, familyId: null, dataCategories: ['regioconfiguratie'], legalBasis: null, ruleId: null,
      configVersion: activation.version, messageId: null, causationId: activation.previousVersion,
    }]);
    return activation;
  });
}
