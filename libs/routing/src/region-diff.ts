import type { Region } from './region';

/** What changed between two versions of a region, in words an information manager reads. */
export function diffRegions(before: Region, after: Region): string[] {
  const out: string[] = [];
  const compare = <T extends Record<string, unknown>>(what: string, a: T[], b: T[], key: (item: T) => string) => {
    const left = new Map(a.map((item) => [key(item), item]));
    const right = new Map(b.map((item) => [key(item), item]));
    for (const [k, item] of right) {
      if (!left.has(k)) out.push(`+ ${what} ${k}: ${JSON.stringify(item)}`);
      else if (JSON.stringify(left.get(k)) !== JSON.stringify(item)) {
        const old = left.get(k) as Record<string, unknown>;
        const changed = [...new Set([...Object.keys(old), ...Object.keys(item)])].filter((f) => JSON.stringify(old[f]) !== JSON.stringify(item[f]));
        out.push(`~ ${what} ${k}: ${changed.map((f) => `${f} ${JSON.stringify(old[f]) ?? '(none)'} → ${JSON.stringify(item[f]) ?? '(none)'}`).join('; ')}`);
      }
    }
    for (const k of left.keys()) if (!right.has(k)) out.push(`- ${what} ${k}`);
  };
  const a = before.config;
  const b = after.config;
  if (a.region !== b.region) out.push(`~ region id ${a.region} → ${b.region}`);
  compare('municipality', a.municipalities, b.municipalities, (m) => m.code);
  compare('partner', a.partners, b.partners, (p) => p.id);
  compare('legal basis', a.legalBases, b.legalBases, (l) => l.code);
  compare('route', a.routes, b.routes, (r) => r.id);
  if (JSON.stringify(before.ruleSettings) !== JSON.stringify(after.ruleSettings)) {
    out.push(`~ rule settings ${JSON.stringify(before.ruleSettings)} → ${JSON.stringify(after.ruleSettings)}`);
  }
  const ta = before.regieTable;
  const tb = after.regieTable;
  if (ta.table !== tb.table || ta.version !== tb.version) out.push(`~ regie table ${ta.table} ${ta.version} → ${tb.table} ${tb.version}`);
  compare('table row', ta.rows, tb.rows, (r) => r.id);
  return out;
}
