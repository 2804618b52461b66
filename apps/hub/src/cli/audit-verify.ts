/**
 * `npm run audit:verify`: recomputes the audit trail's hash chain. Exit 0 when intact; exit 1
 * naming the first record that was changed, removed or inserted; exit 2 when it cannot check.
 */
import { ConfigError, loadDatabaseUrl } from '@ketenhub/config';
import { createDataSource, verifyAuditChain } from '@ketenhub/persistence';

async function main(): Promise<number> {
  let url: string;
  try {
    url = loadDatabaseUrl();
  } catch (error) {
    process.stderr.write(`audit:verify: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 2;
  }
  const dataSource = createDataSource(url, 1);
  try {
    await dataSource.initialize();
    const started = Date.now();
    const result = await verifyAuditChain(dataSource.manager, 5_000, (n) => process.stderr.write(`audit:verify: ${n} records checked\n`));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.ok) {
      process.stdout.write(`audit:verify: intact: ${result.records} records, chain and head match (${seconds} s)\n`);
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
