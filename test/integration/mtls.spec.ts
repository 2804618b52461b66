/**
 * Mutual TLS on the partner door: a partner system that presents a client certificate signed by
 * the partners' CA (TLS_CLIENT_CA_FILE) is that partner (subject CN = partner id), without a
 * token; a certificate from any other CA is no identity at all.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { hulpvraag, makeBsn } from '../support/factories';
import { openScenario, type Scenario } from '../support/scenario';

interface Pki {
  dir: string;
  file(name: string): string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A partners' CA, a server certificate for 127.0.0.1, a client certificate per CN, and one from a stranger's CA. */
function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-mtls-'));
  const ca = (name: string) => openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
  const leaf = (name: string, cn: string, signer: string, ext: string) => {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  };
  ca('partners-ca');
  ca('stranger-ca');
  leaf('server', '127.0.0.1', 'partners-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('toegang', 'toegang-almere', 'partners-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'toegang-almere', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  return { dir, file: (name) => path.join(dir, name) };
}

describe('mutual TLS for partner systems', () => {
  const pki = makePki();
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await openScenario([], {
      TLS_CERT_FILE: pki.file('server.crt'), TLS_KEY_FILE: pki.file('server.key'), TLS_CLIENT_CA_FILE: pki.file('partners-ca.crt'),
      GATEWAY_PORT: '0',
    });
  });
  afterAll(async () => {
    await scenario?.close();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  function request(method: string, url: string, body: string | undefined, client?: 'toegang' | 'stranger', base = scenario.hub.url): Promise<{ status: number; body: string; contentType: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(`${base}${url}`, {
        method, ca: fs.readFileSync(pki.file('partners-ca.crt')),
        ...(client ? { cert: fs.readFileSync(pki.file(`${client}.crt`)), key: fs.readFileSync(pki.file(`${client}.key`)) } : {}),
        headers: body ? { 'content-type': 'application/cloudevents+json' } : {},
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves HTTPS and takes a certificate from the partners\' CA as that partner\'s identity', async () => {
    expect(scenario.hub.url).toMatch(/^https:\/\//);
    const event = hulpvraag('toegang-almere', [makeBsn()]);
    const answer = await request('POST', '/events', JSON.stringify(event), 'toegang');
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ id: event.id, source: 'urn:ketenhub:partner:toegang-almere' });
    // The certificate names the partner: publishing as another is still refused.
    const spoofed = await request('POST', '/events', JSON.stringify(hulpvraag('toegang-lelystad', [makeBsn()])), 'toegang');
    expect(spoofed.status).toBe(403);
  });

  it('answers 401 without a certificate or token, and for a certificate from another CA even when its CN names a partner', async () => {
    const none = await request('GET', '/deliveries', undefined);
    expect(none.status).toBe(401);
    expect(none.contentType).toContain('application/problem+json');
    const stranger = await request('GET', '/deliveries', undefined, 'stranger');
    expect(stranger.status).toBe(401);
  });

  it('does the same on the partner door\'s own listener (GATEWAY_PORT), which serves HTTPS with the same certificates and nothing but the door', async () => {
    const ready = scenario.hub.logs.map((l) => / gateway (https:\/\/\S+)/.exec(l)).find(Boolean);
    expect(ready).toBeTruthy();
    const gateway = ready![1].replace('localhost', '127.0.0.1');
    const event = hulpvraag('toegang-almere', [makeBsn()]);
    expect((await request('POST', '/events', JSON.stringify(event), 'toegang', gateway)).status).toBe(202);
    expect((await request('GET', '/deliveries', undefined, 'stranger', gateway)).status).toBe(401);
    expect((await request('GET', '/metrics', undefined, 'toegang', gateway)).status).toBe(404);
    expect((await request('GET', '/metrics', undefined, 'toegang')).status).toBe(200);
  });
});
