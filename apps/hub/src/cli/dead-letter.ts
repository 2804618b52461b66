/**
 * `npm run dead-letter -- <message-id> --reader "<name>" --purpose "<why>" [--unmasked] [--stdin]`:
 * opens one dead letter (its ketenhub-message-id header) and prints its headers and the rejected
 * message's original bytes, BSNs shown as [bsn] unless --unmasked. The payload is sealed with
 * BSN_ENCRYPTION_KEY, so this needs that key, AUDIT_CHAIN_KEY and DATABASE_URL; every read is audited (READ,
 * category dead-letter, the reader and purpose). With --stdin the sealed value is read from
 * standard input (taken off ketenhub.deadletter after retention removed the outbox row).
 * Exit 0 when it opened; 1 when not found or it does not open (audited as FAILURE); 2 when it cannot run.
 */
import { ConfigError, loadDeadLetterReaderConfig } from '@ketenhub/config';
import { Topics } from '@ketenhub/messaging';
import { AuditStore, createDataSource, OutboxStore } from '@ketenhub/persistence';
import { ReadDeadLetterUseCase } from '../privacy/read-dead-letter.use-case';

const USAGE = 'usage: npm run dead-letter -- <message-id> --reader "<name>" --purpose "<why>" [--unmasked] [--stdin]';

function fail(message: string): number {
  process.stderr.write(`dead-letter: ${message}\n`);
  return 2;
}

function parse(args: string[]): { messageId: string; reader: string; purpose: string; unmasked: boolean; stdin: boolean } | string {
  const out = { messageId: '', reader: '', purpose: '', unmasked: false, stdin: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--reader' || arg === '--purpose') {
      const value = args[++i]?.trim();
      if (!value) return `${arg} needs a value`;
      out[arg === '--reader' ? 'reader' : 'purpose'] = value;
    } else if (arg === '--unmasked') out.unmasked = true;
    else if (arg === '--stdin') out.stdin = true;
    else if (!arg.startsWith('--') && out.messageId === '') out.messageId = arg;
    else return `unknown argument ${arg}`;
  }
  if (!/^[0-9a-f-]{36}$/i.test(out.messageId)) return 'the dead letter\'s message id (its ketenhub-message-id header) is required';
  if (!out.reader) return '--reader is required: every read is audited with who read it';
  if (!out.purpose) return '--purpose is required: every read is audited with why';
  return out;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function main(args: string[]): Promise<number> {
  const request = parse(args);
  if (typeof request === 'string') return fail(`${request}\n${USAGE}`);
  let config: ReturnType<typeof loadDeadLetterReaderConfig>;
  try {
    config = loadDeadLetterReaderConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const sealed = request.stdin ? await readStdin() : undefined;
  const dataSource = createDataSource(config.databaseUrl, 1);
  try {
    await dataSource.initialize();
    const useCase = new ReadDeadLetterUseCase({
      dataSource, outbox: new OutboxStore(), audit: new AuditStore(config.auditChainKey), topics: new Topics(config.topicPrefix), key: config.bsnEncryptionKey,
      systemId: 'ketenhub/cli', accessPoint: 'cli:npm run dead-letter',
    });
    const answer = await useCase.read({ ...request, sealed });
    if (!answer.found) {
      process.stderr.write(`dead-letter: ${answer.problem}\n`);
      return 1;
    }
    for (const [name, value] of Object.entries(answer.headers)) process.stdout.write(`${name}: ${value}\n`);
    process.stdout.write('\n');
    if (answer.payload) process.stdout.write(answer.payload);
    process.stdout.write('\n');
    return 0;
  } catch (error) {
    return fail(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

main(process.argv.slice(2))
  .catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))
  .then((code) => process.exit(code));
