import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { RegieTable } from './decision-table';
import type { FamilyEvent } from './family-state';

/** The shipped tables, read as the hub reads them (schema validation is the config loader's job and has its own tests). */
export function shippedTable(name: string): RegieTable {
  const file = path.resolve(__dirname, '..', '..', '..', '..', 'config', 'regie', `${name}.yaml`);
  return parse(fs.readFileSync(file, 'utf8')) as RegieTable;
}

let seq = 0;
/** A chain event for the pure engine: `type` without prefix and version, e.g. 'toegang.verblijf-gestart'. */
export function ev(type: string, time: string, data: Record<string, unknown> = {}, source = 'partner'): FamilyEvent {
  seq += 1;
  return { id: `e${String(seq).padStart(5, '0')}`, type: `nl.ketenhub.${type}.v1`, time, source, data: { kinderen: [{ persoonId: 'k1' }], ...data } };
}
