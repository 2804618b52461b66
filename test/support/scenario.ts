import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { openPayload } from '@ketenhub/privacy';
import { KafkaPartner, TopicReader, testKafka, type Received } from './partner';
import { createTestDatabase, startHubProcess, testKeys, uniquePrefix, type HubProcess, type TestKeys } from './test-env';
import { signToken, type TokenClaims } from '../../apps/hub/src/auth/token';
import { ROLE_GROUPS, testOidcIssuer } from './oidc';

export interface Scenario {
  kafka: Kafka;
  /** Replaceable: a test that restarts the hub puts the new process here, and close() stops it. */
  hub: HubProcess;
  db: DataSource;
  databaseUrl: string;
  /** The hub's keys (the audit chain's among them, for verifyAuditChain). */
  keys: TestKeys;
  prefix: string;
  deadLetters: TopicReader;
  /** A dead letter's original bytes: its value opened with the hub's BSN encryption key, as `npm run dead-letter` does. */
  openDeadLetter(m: Received): Buffer | null;
  partner(id: string): KafkaPartner;
  /**
   * GET (or another method) on the hub's API with a token for these claims: a partner's signed
   * with API_TOKEN_KEY (as /oauth/token signs it), a person's from the test OpenID Connect
   * provider (the only issuer of people tokens a production hub accepts).
   */
  api(claims: TokenClaims, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A hub process of its own (own database, own topic prefix) on the suite's real Kafka and
 * PostgreSQL, with simulated Kafka partners and a reader on the dead-letter topic. `hubDatabaseUrl`
 * gives the hub another way to its database than the test's own (through a TcpProxy, say).
 */
export async function openScenario(
  partnerIds: string[], env: Record<string, string> = {}, keys: TestKeys = testKeys(), hubDatabaseUrl: (url: string) => string = (url) => url,
): Promise<Scenario> {
  const kafka = testKafka();
  const prefix = uniquePrefix();
  const databaseUrl = await createTestDatabase();
  const hub = await startHubProcess({ databaseUrl: hubDatabaseUrl(databaseUrl), topicPrefix: prefix, env, keys });
  const db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  const partners = new Map<string, KafkaPartner>();
  for (const id of partnerIds) partners.set(id, await KafkaPartner.connect(kafka, id, prefix));
  const deadLetters = await TopicReader.start(kafka, `${prefix}ketenhub.deadletter`);
  const scenario: Scenario = {
    kafka, hub, db, databaseUrl, prefix, deadLetters, keys,
    openDeadLetter: (m) => (m.value === null ? null : openPayload(Buffer.from(keys.encryption, 'base64'), m.value, m.headers['ketenhub-message-id'])),
    async api(claims, path, init = {}) {
      const token = claims.role === 'PARTNER'
        ? await signToken(Buffer.from(keys.api, 'base64'), claims)
        : await (await testOidcIssuer()).sign({ sub: claims.sub, name: claims.name ?? claims.sub, roles: [ROLE_GROUPS[claims.role]] });
      return fetch(`${scenario.hub.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } });
    },
    partner(id) {
      const partner = partners.get(id);
      if (!partner) throw new Error(`no simulated partner '${id}' in this scenario`);
      return partner;
    },
    async close() {
      await Promise.allSettled([...[...partners.values()].map((p) => p.close()), deadLetters.stop()]);
      await scenario.hub.stop();
      await db.destroy();
    },
  };
  return scenario;
}
