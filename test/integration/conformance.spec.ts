/**
 * `npm run conformance` against a real hub (real Kafka and PostgreSQL), as partners run it before
 * they go live: one partner of each role of the Flevoland region, connected over a webhook, the
 * feed or Kafka, passes every check; a webhook partner whose region address leads nowhere, and a
 * partner with the wrong client secret, fail with a report that says why.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { openScenario, type Scenario } from '../support/scenario';
import { regionWithConnections } from '../../deploy/local/region-copy';
import { ROOT, testKeys } from '../support/test-env';
import { clientSecretOf, webhookSecretOf } from '../../apps/hub/src/gateway/partner-secrets';

type Via = 'HTTPS_WEBHOOK' | 'HTTPS_FEED' | 'KAFKA';
/** One partner per role, each connected as a partner of that kind might be. */
const PARTNERS: Array<{ id: string; role: string; via: Via }> = [
  { id: 'toegang-almere', role: 'LOKALE_TOEGANG', via: 'HTTPS_WEBHOOK' },
  { id: 'veilig-thuis-flevoland', role: 'VEILIG_THUIS', via: 'HTTPS_FEED' },
  { id: 'rvdk-flevoland', role: 'RVDK', via: 'KAFKA' },
  { id: 'samen-veilig', role: 'GI', via: 'HTTPS_FEED' },
  { id: 'rechtbank-midden-nederland', role: 'KINDERRECHTER', via: 'KAFKA' },
  { id: 'verblijf-flevoland', role: 'AANBIEDER', via: 'HTTPS_WEBHOOK' },
];
/** A webhook partner whose region webhookUrl points at a port where nothing listens. */
const MISCONFIGURED = 'ambulant-flevoland';
const CLI = path.join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'conformance.js');

/** A port nothing listens on right now: listen on 0, read it, close. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
  seconds: number;
}

/** Runs the built command as a partner would, with only the secrets it was handed (no PARTNER_SECRET_KEY). */
function conformance(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conformance did not stop by itself within 90 s:\n${stdout}\n${stderr}`));
    }, 90_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, lines: stdout.trimEnd().split('\n'), seconds: (Date.now() - started) / 1000 });
    });
  });
}

describe('npm run conformance', () => {
  const keys = testKeys();
  const partnerKey = Buffer.from(keys.partner, 'base64');
  const ports = new Map<string, number>();
  let scenario: Scenario;
  let listenInstead: number;

  beforeAll(async () => {
    for (const p of [...PARTNERS.filter((x) => x.via === 'HTTPS_WEBHOOK').map((x) => x.id), MISCONFIGURED]) ports.set(p, await freePort());
    listenInstead = await freePort();
    const connections: Record<string, string> = {};
    for (const p of PARTNERS) {
      if (p.via === 'HTTPS_WEBHOOK') connections[p.id] = `{ via: HTTPS_WEBHOOK, webhookUrl: "http://127.0.0.1:${ports.get(p.id)}/ketenhub/webhook" }`;
      if (p.via === 'HTTPS_FEED') connections[p.id] = '{ via: HTTPS_FEED }';
    }
    connections[MISCONFIGURED] = `{ via: HTTPS_WEBHOOK, webhookUrl: "http://127.0.0.1:${ports.get(MISCONFIGURED)}/webhook" }`;
    scenario = await openScenario([], { REGION_DIR: regionWithConnections(connections), WEBHOOK_POLL_MS: '100' }, keys);
  });
  afterAll(async () => {
    await scenario?.close();
  });

  /** The arguments a partner of this kind passes; the client secret sometimes by environment, as a CI job would. */
  function argsFor(id: string, via: Via): { args: string[]; env: Record<string, string> } {
    const base = ['--hub', scenario.hub.url, '--partner', id];
    if (via === 'KAFKA') return { args: [...base, '--kafka-brokers', process.env.KAFKA_BROKERS!, '--topic-prefix', scenario.prefix], env: {} };
    const env = { KETENHUB_CLIENT_SECRET: clientSecretOf(partnerKey, id) };
    if (via === 'HTTPS_FEED') return { args: base, env };
    return { args: [...base, '--listen', String(ports.get(id)), '--webhook-secret', webhookSecretOf(partnerKey, id)], env };
  }

  it.each(PARTNERS)('passes every check for $id ($role, $via)', async ({ id, role, via }) => {
    const { args, env } = argsFor(id, via);
    const result = await conformance(args, env);
    const checks = result.lines.slice(0, -1);
    expect(checks.filter((line) => !line.startsWith('PASS  '))).toEqual([]);
    expect(result.lines.at(-1)).toMatch(new RegExp(`^conformance: ${id} \\(${role}, ${via}\\) PASSED: ${checks.length} passed, 0 failed$`));
    expect(result).toMatchObject({ code: 0 });
    expect(checks).toEqual(expect.arrayContaining([
      expect.stringMatching(/^PASS {2}hub: /),
      expect.stringMatching(new RegExp(`^PASS {2}partner: ${id} is ${role} and connects via ${via}`)),
      expect.stringMatching(/^PASS {2}sample nl\.ketenhub\.keten\.veiligheidskaart-bijdrage\.v1: /),
      expect.stringMatching(/^PASS {2}invalid sample: /),
      expect.stringMatching(/^PASS {2}other source: /),
      expect.stringMatching(/^PASS {2}routed event: bericht-afgewezen ONBEKENDE_PERSOON /),
      expect.stringMatching(/^PASS {2}no rejections: none of the /),
    ]));
    if (via !== 'KAFKA') {
      expect(checks).toEqual(expect.arrayContaining([/^PASS {2}token: /, /^PASS {2}binary mode: /, /^PASS {2}repeat: /, /^PASS {2}no token: /].map((r) => expect.stringMatching(r))));
    }
    if (via === 'HTTPS_WEBHOOK') expect(checks).toEqual(expect.arrayContaining([expect.stringMatching(/^PASS {2}signature: webhook-id \S+ carries a valid v1 signature/)]));
    // Every sample type of the role was sent: as many sample lines as the hub's document lists types for the role.
    const doc = (await (await fetch(`${scenario.hub.url}/asyncapi.json`)).json()) as { channels: Record<string, { messages: Record<string, unknown> }> };
    expect(checks.filter((l) => l.startsWith('PASS  sample ')).length).toBe(Object.keys(doc.channels[`inbound.${id}`].messages).length);
  });

  it('prints one JSON report with --json, and works out the Kafka topics from the hub\'s document without --topic-prefix', async () => {
    const result = await conformance(['--hub', scenario.hub.url, '--partner', 'rvdk-flevoland', '--kafka-brokers', process.env.KAFKA_BROKERS!, '--json']);
    expect(result).toMatchObject({ code: 0 });
    const report = JSON.parse(result.stdout) as { result: string; partner: string; role: string; connection: string; passed: number; failed: number; checks: Array<{ result: string; name: string }> };
    expect(report).toMatchObject({ result: 'PASSED', partner: 'rvdk-flevoland', role: 'RVDK', connection: 'KAFKA', failed: 0 });
    expect(report.checks.length).toBe(report.passed);
    expect(report.checks.every((c) => c.result === 'PASS')).toBe(true);
  });

  it('fails a webhook partner whose region webhookUrl is not where it listens, naming the hub\'s delivery status and last error', async () => {
    const result = await conformance([
      '--hub', scenario.hub.url, '--partner', MISCONFIGURED, '--listen', String(listenInstead), '--timeout', '6',
      '--client-secret', clientSecretOf(partnerKey, MISCONFIGURED), '--webhook-secret', webhookSecretOf(partnerKey, MISCONFIGURED),
    ]);
    expect(result).toMatchObject({ code: 1 });
    const routed = result.lines.find((l) => l.includes('routed event:'));
    expect(routed).toMatch(new RegExp(`^FAIL {2}routed event: nothing for \\S+ arrived on 127\\.0\\.0\\.1:${listenInstead} within 6 s; the hub reports delivery \\S+ .*FAILING after \\d+ attempts?: could not reach the receiver \\(ECONNREFUSED\\).* — is the region's webhookUrl for ${MISCONFIGURED} this address`));
    // What the partner controls at the door still passes: the failure is on the way back only.
    expect(result.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^PASS {2}token: /), expect.stringMatching(/^PASS {2}sample /)]));
    expect(result.lines.at(-1)).toMatch(new RegExp(`^conformance: ${MISCONFIGURED} \\(AANBIEDER, HTTPS_WEBHOOK\\) FAILED: \\d+ passed, [1-9]\\d* failed$`));
    expect(result.seconds).toBeLessThan(30);
  });

  it('fails at the token with a wrong client secret, and says where the right one comes from', async () => {
    const result = await conformance(['--hub', scenario.hub.url, '--partner', 'samen-veilig', '--client-secret', 'niet-het-geheim']);
    expect(result).toMatchObject({ code: 1 });
    expect(result.lines).toContainEqual(expect.stringMatching(/^FAIL {2}token: POST \/oauth\/token: 401 invalid_client.* — invalid_client: check the client secret: npm run partner -- secrets samen-veilig$/));
    expect(result.lines.at(-1)).toBe('conformance: samen-veilig (GI, HTTPS_FEED) FAILED: 2 passed, 1 failed');
  });

  it('fails a Kafka partner with the wrong --topic-prefix when it connects, and names the topics the hub\'s document gives', async () => {
    const result = await conformance(['--hub', scenario.hub.url, '--partner', 'rvdk-flevoland', '--kafka-brokers', process.env.KAFKA_BROKERS!, '--topic-prefix', 'verkeerd.']);
    expect(result).toMatchObject({ code: 1 });
    expect(result.lines).toContainEqual(expect.stringMatching(
      new RegExp(`^FAIL {2}receiver: topic verkeerd\\.outbound\\.rvdk-flevoland: .* — .*\\(the hub's document names ${scenario.prefix.replace('.', '\\.')}inbound\\.rvdk-flevoland: is --topic-prefix right\\?\\)$`)));
  });

  it('answers a usage error with exit code 2 and the usage text', async () => {
    const result = await conformance(['--partner', 'samen-veilig', '--timeout', 'lang']);
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain('conformance: --hub is missing');
    expect(result.stderr).toContain('usage: npm run conformance -- --hub <url> --partner <id>');
  });
});
