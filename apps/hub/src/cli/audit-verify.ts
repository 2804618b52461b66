/**
 * `npm run audit:verify`: recomputes the audit trail's hash chain with the chain key
 * (AUDIT_CHAIN_KEY; AUDIT_CHAIN_KEYED_FROM when the database was upgraded with records in it).
 * Exit 0 when intact; exit 1 naming the first record that was changed, removed or inserted, or a
 * moved checkpoint; exit 2 when it cannot check.
 */
import { ConfigError, loadAuditChain, loadDatabaseUrl } from '@ketenhub/config';
import { createDataSource, verifyAuditChain } from '@ketenhub/persistence';

async function main(): Promise<number> {
  let url: string;
  let chain: { key: Buffer; keyedFrom: string };
  try {
    url = loadDatabaseUrl();
    chain = loadAuditChain();
  } catch (error) {
    process.stderr.write(`audit:verify: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  const dataSource = createDataSource(url, 1);
  try {
    await dataSource.initialize();
    const started = Date.now();
    const result = await verifyAuditChain(dataSource.manager, {
      key: chain.key, keyedFrom: chain.keyedFrom, onProgress: (n) => process.stderr.write(`audit:verify: ${n} records checked\n`),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.ok) {
      const keyed = chain.keyedFrom === '0' ? 'every record keyed' : `keyed after record ${chain.keyedFrom}`;
      process.stdout.write(`audit:verify: intact: ${result.records} records, chain and head match (${keyed}; ${seconds} s)\n`);
      return 0;
    }
    process.stdout.write(`audit:verify: BROKEN at record ${result.firstBadSeq} (${result.problem}): ${result.detail}. ${result.records} records before it are intact.\n`);
    return 1;
  } catch (error) {
    process.stderr.write(`audit:verify: could not read the audit trail: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

main().then((code) => process.exit(code));
