/**
 * The hub as operators meet it: it refuses bad configuration at boot with a message that names
 * what is wrong, and once up it reports health and metrics.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, createTestDatabase, startHubProcess, testKeys, uniquePrefix, type HubProcess } from '../support/test-env';

function runHub(env: Record<string, string>): { status: number | null; stderr: string } {
  const keys = testKeys();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'main.js')], {
    env: { ...process.env, BSN_HASH_KEY: keys.hash, BSN_ENCRYPTION_KEY: keys.encryption, API_TOKEN_KEY: keys.api, PARTNER_SECRET_KEY: keys.partner, AUDIT_CHAIN_KEY: keys.audit, HTTP_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('hub boot', () => {
  it('stops with exit code 2 and names every bad variable, without echoing a secret', () => {
    const { status, stderr } = runHub({ KAFKA_BROKERS: 'kafka-without-port', HTTP_PORT: 'eighty', BSN_ENCRYPTION_KEY: 'hunter2' });
    expect(status).toBe(2);
    expect(stderr).toContain("KAFKA_BROKERS entry 'kafka-without-port' is not host:port");
    expect(stderr).toContain("HTTP_PORT must be a whole number from 0 to 65535 (got 'eighty')");
    expect(stderr).toContain('BSN_ENCRYPTION_KEY must be 32 random bytes');
    expect(stderr).not.toContain('hunter2');
  });

  it('stops with exit code 2 on a broken region file and says which file, line and path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'region-'));
    const demo = fs.readFileSync(path.join(ROOT, 'config', 'regions', 'demo', 'region.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'region.yaml'), demo.replace('role: VEILIG_THUIS\n', 'role: VEILIGHEIDSHUIS\n'));
    const { status, stderr } = runHub({ REGION_DIR: dir });
    expect(status).toBe(2);
    expect(stderr).toContain(path.join(dir, 'region.yaml'));
    expect(stderr).toMatch(/line \d+, \/partners\/2\/role: must be equal to one of the allowed values/);
  });

  it('stops with exit code 1 when its database does not answer, naming the address without the password', () => {
    const { status, stderr } = runHub({ DATABASE_URL: 'postgres://ketenhub:s3cret-pw@127.0.0.1:1/nowhere' });
    expect(status).toBe(1);
    expect(stderr).toContain('ketenhub: could not start: could not connect to the database at 127.0.0.1:1/nowhere (DATABASE_URL): ');
    expect(stderr).toContain('ECONNREFUSED');
    expect(stderr).not.toContain('s3cret-pw');
    // The reason, not a stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  describe('once up', () => {
    let hub: HubProcess;
    beforeAll(async () => {
      hub = await startHubProcess({ databaseUrl: await createTestDatabase(), topicPrefix: uniquePrefix() });
    });
    afterAll(async () => {
      await hub?.stop();
    });

    it('is live and ready, with database, Kafka and pipeline checked', async () => {
      expect((await fetch(`${hub.url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${hub.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'up',
        checks: { database: { status: 'up' }, kafka: { status: 'up', detail: '1 broker(s)' }, pipeline: { status: 'up' } },
      });
    });

    it('serves Prometheus metrics', async () => {
      const response = await fetch(`${hub.url}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      for (const [name, type] of [['ketenhub_events_consumed_total', 'counter'], ['ketenhub_events_rejected_total', 'counter'], ['ketenhub_messages_delivered_total', 'counter'],
        ['ketenhub_consumer_lag', 'gauge'], ['ketenhub_processing_seconds', 'histogram'], ['ketenhub_process_resident_memory_bytes', 'gauge']]) {
        expect(text).toContain(`# TYPE ${name} ${type}`);
      }
      expect(text).toMatch(/^ketenhub_process_resident_memory_bytes \d+/m);
    });
  });
});
