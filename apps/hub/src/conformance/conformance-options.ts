import { WEBHOOK_SECRET_PREFIX } from '@ketenhub/messaging';

export interface ConformanceOptions {
  /** The hub's base URL, without a trailing slash. */
  hub: string;
  partner: string;
  clientSecret?: string;
  webhookSecret?: string;
  /** Port on 127.0.0.1 for webhook deliveries (HTTPS_WEBHOOK partners). */
  listen?: number;
  kafkaBrokers?: string[];
  /** Overrides the topic prefix the hub's AsyncAPI document gives. */
  topicPrefix?: string;
  timeoutSeconds: number;
  json: boolean;
}

export const USAGE = `usage: npm run conformance -- --hub <url> --partner <id> [options]

  --hub <url>                  the hub, e.g. https://acceptatie.ketenhub.example
  --partner <id>               the partner id (the client id) to test as
  --client-secret <secret>     HTTPS partners: the OAuth2 client secret (or env KETENHUB_CLIENT_SECRET)
  --webhook-secret <whsec_…>   webhook partners: checks the hub's signatures (or env KETENHUB_WEBHOOK_SECRET)
  --listen <port>              webhook partners: receive deliveries on 127.0.0.1:<port>; the region's
                               webhookUrl must lead there
  --kafka-brokers <h:p,…>      Kafka partners: the bootstrap brokers (TLS and SASL: env KAFKA_SSL_CA,
                               KAFKA_SSL_CERT, KAFKA_SSL_KEY, KAFKA_SASL_MECHANISM, _USERNAME, _PASSWORD)
  --topic-prefix <prefix>      Kafka partners: the topic prefix (default: as the hub's AsyncAPI document says)
  --timeout <seconds>          how long to wait for the hub's answers on the outbound side (default 30)
  --json                       one JSON report instead of lines

Secrets: npm run partner -- secrets <id>. Exit code 0 when every check passed, 1 when one failed, 2 for a usage error.`;

export class UsageError extends Error {}

const VALUED = ['--hub', '--partner', '--client-secret', '--webhook-secret', '--listen', '--kafka-brokers', '--topic-prefix', '--timeout'] as const;
type Valued = (typeof VALUED)[number];

/** The command line (and the two secret variables) as options; 'help' for --help; a UsageError for anything else that is wrong. */
export function parseOptions(args: string[], env: Record<string, string | undefined>): ConformanceOptions | 'help' {
  const values = new Map<Valued, string>();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!(VALUED as readonly string[]).includes(name)) throw new UsageError(arg.startsWith('-') ? `unknown option '${name}'` : `unexpected argument '${arg}'`);
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    if (values.has(name as Valued)) throw new UsageError(`${name} is given twice`);
    values.set(name as Valued, value);
  }
  const hub = values.get('--hub');
  const partner = values.get('--partner');
  if (!hub) throw new UsageError('--hub is missing');
  if (!partner) throw new UsageError('--partner is missing');
  let url: URL;
  try {
    url = new URL(hub);
  } catch {
    throw new UsageError(`--hub must be a URL such as https://hub.example (got '${hub}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--hub must be an http(s) URL (got '${hub}')`);
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(partner)) throw new UsageError(`--partner must be a partner id such as toegang-almere (got '${partner}')`);
  const webhookSecret = values.get('--webhook-secret') ?? (env.KETENHUB_WEBHOOK_SECRET || undefined);
  if (webhookSecret !== undefined && !webhookSecret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new UsageError(`the webhook secret starts with ${WEBHOOK_SECRET_PREFIX} (as npm run partner -- secrets prints it)`);
  }
  const listen = values.has('--listen') ? integer('--listen', values.get('--listen')!, 1, 65_535) : undefined;
  const brokers = values.get('--kafka-brokers')?.split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers !== undefined && (brokers.length === 0 || brokers.some((b) => !/^[^\s:]+:[0-9]{1,5}$/.test(b)))) {
    throw new UsageError(`--kafka-brokers is a list of host:port, separated by commas (got '${values.get('--kafka-brokers')}')`);
  }
  return {
    hub: url.toString().replace(/\/+$/, ''),
    partner,
    clientSecret: values.get('--client-secret') ?? (env.KETENHUB_CLIENT_SECRET || undefined),
    webhookSecret,
    listen,
    kafkaBrokers: brokers,
    topicPrefix: values.get('--topic-prefix'),
    timeoutSeconds: values.has('--timeout') ? integer('--timeout', values.get('--timeout')!, 1, 600) : 30,
    json,
  };
}

function integer(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
  return value;
}
