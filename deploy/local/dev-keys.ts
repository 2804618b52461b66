import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './process-util';

/** Development keys, made once per checkout and kept in .local/ (never committed). */
export function localKeys(): { hash: string; encryption: string; api: string; partner: string; audit: string } {
  const file = path.join(repoRoot(), '.local', 'dev-keys.json');
  const fresh = () => randomBytes(32).toString('base64');
  const existing = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<'hash' | 'encryption' | 'api' | 'partner' | 'audit', string>>) : {};
  // A checkout from before the API key existed keeps its BSN keys (its database depends on them).
  const keys = { hash: existing.hash ?? fresh(), encryption: existing.encryption ?? fresh(), api: existing.api ?? fresh(), partner: existing.partner ?? fresh(), audit: existing.audit ?? fresh() };
  if (keys.hash !== existing.hash || keys.encryption !== existing.encryption || keys.api !== existing.api || keys.partner !== existing.partner || keys.audit !== existing.audit) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return keys;
}

