/**
 * `npm run token -- --partner <partnerId> | --privacy-officer <name> | --information-manager <name> [--minutes 15]`
 * prints a short-lived API token for the hub that `npm start` runs (signed with API_TOKEN_KEY, or
 * the development key in .local/dev-keys.json, with that key's kid). For local use: partners in
 * production get theirs from the token endpoint of the partner gateway, and a hub with
 * NODE_ENV=production refuses these people tokens (people sign in at OIDC_ISSUER there).
 */
import { signToken, type TokenClaims } from '../../apps/hub/src/auth/token';
import { localKeys } from './dev-keys';

const USAGE = 'usage: npm run token -- --partner <partnerId> | --privacy-officer "<name>" | --information-manager "<name>" [--person "<name>"] [--minutes 15]';

function claimsFrom(args: string[]): { claims: TokenClaims; minutes: number } {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (!v || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const partner = value('--partner');
  const officer = value('--privacy-officer');
  const manager = value('--information-manager');
  const chosen = [partner, officer, manager].filter((v) => v !== undefined);
  if (chosen.length !== 1) throw new Error('give exactly one of --partner, --privacy-officer, --information-manager');
  const minutes = Number(value('--minutes') ?? '15');
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) throw new Error('--minutes must be a whole number from 1 to 60');
  const person = value('--person');
  const claims: TokenClaims = partner
    ? { sub: partner, role: 'PARTNER', ...(person ? { name: person } : {}) }
    : officer ? { sub: officer, role: 'PRIVACY_OFFICER', name: officer } : { sub: manager!, role: 'INFORMATIEMANAGER', name: manager! };
  return { claims, minutes };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof claimsFrom>;
  try {
    parsed = claimsFrom(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`token: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const raw = process.env.API_TOKEN_KEY ?? localKeys().api;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    process.stderr.write('token: API_TOKEN_KEY must be 32 bytes in base64\n');
    process.exit(2);
  }
  process.stdout.write(`${await signToken(key, parsed.claims, parsed.minutes * 60)}\n`);
}

void main();
