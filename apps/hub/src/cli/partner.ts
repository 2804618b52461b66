/**
 * `npm run partner -- secrets <partnerId> [--region config/regions/demo] [--json]`
 *
 * Prints what a partner system needs to connect over HTTPS: its OAuth2 client id and secret (for
 * POST /oauth/token) and the secret its webhook receiver checks signatures with. Both are derived
 * from PARTNER_SECRET_KEY (or, on a development checkout, the key in .local/dev-keys.json), so the
 * hub that runs with the same key accepts and signs with exactly these. Hand them over as you
 * would a password.
 */
import * as path from 'node:path';
import { repoRoot } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { loadRegion, RegionConfigError } from '@ketenhub/routing';
import { localKeys } from '../../../../deploy/local/dev-keys';
import { clientSecretOf, webhookSecretOf } from '../gateway/partner-secrets';

const USAGE = 'usage: npm run partner -- secrets <partnerId> [--region config/regions/demo] [--json]';

function partnerKey(): Buffer {
  // Without PARTNER_SECRET_KEY: a development checkout, and the key `npm start` gives the hub.
  const raw = process.env.PARTNER_SECRET_KEY ?? localKeys().partner;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error('PARTNER_SECRET_KEY must be 32 bytes in base64');
  return key;
}

function main(args: string[]): number {
  const [command, partnerId] = args;
  if (command !== 'secrets' || !partnerId || partnerId.startsWith('--')) {
    process.stderr.write(`partner: ${command === undefined ? 'a command is missing' : command !== 'secrets' ? `unknown command '${command}'` : 'the partner id is missing'}\n${USAGE}\n`);
    return 2;
  }
  const at = args.indexOf('--region');
  const dir = path.resolve(repoRoot(), at >= 0 && args[at + 1] ? args[at + 1] : process.env.REGION_DIR ?? path.join('config', 'regions', 'demo'));
  try {
    const region = loadRegion(dir, Contracts.load());
    const partner = region.partner(partnerId);
    if (!partner) {
      process.stderr.write(`partner: '${partnerId}' is not a partner in ${path.relative(process.cwd(), path.join(dir, 'region.yaml'))}; known: ${region.config.partners.map((p) => p.id).join(', ')}\n`);
      return 1;
    }
    const key = partnerKey();
    const secrets = {
      partnerId, connection: partner.connection?.via ?? 'KAFKA', clientId: partnerId,
      clientSecret: clientSecretOf(key, partnerId), webhookSecret: webhookSecretOf(key, partnerId),
    };
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(secrets)}\n`);
    } else {
      process.stdout.write([
        `partner        ${partnerId} (${partner.name}, ${partner.role}, connects via ${secrets.connection})`,
        `client_id      ${secrets.clientId}`,
        `client_secret  ${secrets.clientSecret}`,
        `webhook secret ${secrets.webhookSecret}`,
        'token:         POST /oauth/token  grant_type=client_credentials (HTTP Basic or form fields); see docs/API.md',
        '',
      ].join('\n'));
    }
    return 0;
  } catch (error) {
    if (error instanceof RegionConfigError) {
      process.stderr.write(`partner: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`partner: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
