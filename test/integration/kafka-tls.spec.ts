/**
 * Issue 21, part 5: the hub's Kafka clients speak TLS with a client certificate (the principal
 * User:CN=ketenhub-hub of docs/DEPLOY-KAFKA.md) or SASL/SCRAM over TLS, and refuse plaintext in
 * production. A broker of its own with a CA the test makes (openssl): a TLS listener that requires
 * a client certificate, a SASL_SSL listener with SCRAM users, and an authorizer that lets in only
 * the hub's principals, so getting in proves which credential was used.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { makeLocalPki, type LocalPki } from '../../deploy/local/kafka-tls';
import { startKafka, type RunningKafka } from '../../deploy/local/kafka';
import { hulpvraag, makeBsn, toestemming } from '../support/factories';
import { KafkaPartner } from '../support/partner';
import { ROOT, asHubLogin, createTestDatabase, startHubProcess, testKeys, uniquePrefix, type HubProcess } from '../support/test-env';

const SCRAM_PASSWORD = randomBytes(18).toString('base64url');

describe('Kafka over TLS', () => {
  let work: string;
  let pki: LocalPki;
  let broker: RunningKafka;
  /** The database the hubs of runHub use (owner's URL; they run as the hub's login). */
  let databaseUrl: string;
  const hubs: HubProcess[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-kafka-tls-'));
    pki = makeLocalPki(path.join(work, 'pki'));
    broker = await startKafka({
      dataDir: path.join(work, 'kafka'),
      tls: { pki, scramUsers: [{ name: 'ketenhub-hub', password: SCRAM_PASSWORD }], superUsers: ['User:CN=ketenhub-hub', 'User:CN=test-partner', 'User:ketenhub-hub'] },
    });
  }, 180_000);
  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    await broker?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** The built hub, as production runs it, with `env` on top (no plaintext allowance unless given). */
  function runHub(env: Record<string, string>): { status: number | null; stderr: string } {
    const keys = testKeys();
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
      env: {
        ...process.env, NODE_ENV: 'production', KAFKA_ALLOW_PLAINTEXT_LOOPBACK: '', BSN_HASH_KEY: keys.hash, BSN_ENCRYPTION_KEY: keys.encryption,
        API_TOKEN_KEY: keys.api, PARTNER_SECRET_KEY: keys.partner, AUDIT_CHAIN_KEY: keys.audit, HTTP_PORT: '0', KETENHUB_TOPIC_PREFIX: uniquePrefix(),
        DATABASE_URL: asHubLogin(databaseUrl), MIGRATION_DATABASE_URL: databaseUrl, ...env,
      },
      encoding: 'utf8',
      timeout: 110_000,
    });
    return { status: result.status, stderr: result.stderr };
  }

  const tlsClient = (brokers: string, name: string) => {
    const client = pki.client(name);
    return new Kafka({
      clientId: name, brokers: [brokers], logLevel: logLevel.NOTHING,
      ssl: { ca: [fs.readFileSync(pki.caFile)], cert: fs.readFileSync(client.certFile), key: fs.readFileSync(client.keyFile), rejectUnauthorized: true },
    });
  };

  it('runs the hub over mutual TLS with a client certificate from the CA: it sets up its topics and delivers', async () => {
    const hubCert = pki.client('ketenhub-hub');
    const prefix = uniquePrefix();
    const hub = await startHubProcess({
      databaseUrl: await createTestDatabase(), topicPrefix: prefix,
      env: { KAFKA_BROKERS: broker.tlsBrokers!, KAFKA_ALLOW_PLAINTEXT_LOOPBACK: '', KAFKA_SSL_CA: pki.caFile, KAFKA_SSL_CERT: hubCert.certFile, KAFKA_SSL_KEY: hubCert.keyFile },
    });
    hubs.push(hub);
    const partners = tlsClient(broker.tlsBrokers!, 'test-partner');
    const toegang = await KafkaPartner.connect(partners, 'toegang-almere', prefix);
    const vt = await KafkaPartner.connect(partners, 'veilig-thuis-flevoland', prefix);
    try {
      const child = makeBsn();
      await toegang.send(toestemming('toegang-almere', [child]));
      const event = hulpvraag('toegang-almere', [child]);
      await toegang.send(event);
      await vt.outbound.waitFor('the hulpvraag at Veilig Thuis, over TLS both ways', (m) => m.event?.causationid === event.id, 60_000);
      expect((await fetch(`${hub.url}/health/ready`)).status).toBe(200);
    } finally {
      await toegang.close();
      await vt.close();
      await hub.stop();
    }
  });

  it('refuses to boot with plaintext settings against the TLS listener, and with a certificate the broker does not let in', () => {
    const plain = runHub({ KAFKA_BROKERS: broker.tlsBrokers!, KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true' });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain(`ketenhub: could not start: could not set up the topics on the Kafka broker at ${broker.tlsBrokers} (KAFKA_BROKERS)`);
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    expect(plain.stderr).toContain('(the broker closed the connection of a plaintext client: for a TLS listener set KAFKA_SSL_CA');

    const intruder = pki.client('intruder');
    const stranger = runHub({ KAFKA_BROKERS: broker.tlsBrokers!, KAFKA_SSL_CA: pki.caFile, KAFKA_SSL_CERT: intruder.certFile, KAFKA_SSL_KEY: intruder.keyFile });
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toContain('TOPIC_AUTHORIZATION_FAILED');
  }, 240_000);

  it('refuses to boot in production without TLS, naming the variable; the loopback allowance covers loopback brokers only', () => {
    const none = runHub({ KAFKA_BROKERS: broker.brokers });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('KAFKA_SSL_CA is required when NODE_ENV=production: the hub does not speak plaintext to Kafka');

    const remote = runHub({ KAFKA_BROKERS: 'kafka.example.nl:9092', KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true' });
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('KAFKA_ALLOW_PLAINTEXT_LOOPBACK=true allows plaintext only to brokers on a loopback address; KAFKA_BROKERS names kafka.example.nl:9092');

    const missing = runHub({ KAFKA_BROKERS: broker.tlsBrokers!, KAFKA_SSL_CA: path.join(work, 'no-such-ca.pem') });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`KAFKA_SSL_CA: cannot read '${path.join(work, 'no-such-ca.pem')}' (ENOENT)`);
  });

  it('runs the hub with SASL/SCRAM over TLS, and refuses to boot with a wrong password without echoing it', async () => {
    for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
      const hub = await startHubProcess({
        databaseUrl: await createTestDatabase(), topicPrefix: uniquePrefix(),
        env: {
          KAFKA_BROKERS: broker.saslBrokers!, KAFKA_ALLOW_PLAINTEXT_LOOPBACK: '', KAFKA_SSL_CA: pki.caFile,
          KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'ketenhub-hub', KAFKA_SASL_PASSWORD: SCRAM_PASSWORD,
        },
      });
      hubs.push(hub);
      expect((await fetch(`${hub.url}/health/ready`)).status).toBe(200);
      await hub.stop();
    }
    const wrong = runHub({
      KAFKA_BROKERS: broker.saslBrokers!, KAFKA_SSL_CA: pki.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'ketenhub-hub', KAFKA_SASL_PASSWORD: 'not-the-password',
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/SASL|authentication/i);
    expect(wrong.stderr).not.toContain('not-the-password');
  }, 240_000);
});
