/**
 * `npm run conformance -- --hub <url> --partner <id> [--client-secret S] [--webhook-secret S]
 *   [--listen <port>] [--kafka-brokers host:port,…] [--topic-prefix p] [--timeout <seconds>] [--json]`
 *
 * What a partner runs against a hub before it goes live (as against CORV's acceptance
 * environment): sends its role's sample events the way it connects, checks the answers, receives
 * a routed event and its signature, and prints one PASS or FAIL line per check with a hint for each
 * failure. Exit code 0 when everything passed, 1 when something failed, 2 for a usage error.
 * A Kafka partner's TLS and SASL settings come from KAFKA_SSL_CA, KAFKA_SSL_CERT, KAFKA_SSL_KEY,
 * KAFKA_SSL and KAFKA_SASL_MECHANISM / _USERNAME / _PASSWORD, as for the hub.
 */
import { ConfigError, loadKafkaSecurity } from '@ketenhub/config';
import { parseOptions, USAGE, UsageError } from '../conformance/conformance-options';
import { exitCodeOf, formatReport, reportJson } from '../conformance/conformance-report';
import { FeedReader } from '../conformance/feed.reader';
import { HubClient } from '../conformance/hub.client';
import { KafkaLink } from '../conformance/kafka.link';
import { ConformanceRun } from '../conformance/run-conformance.use-case';
import { newEventId } from '../conformance/sample-events';
import { WebhookListener } from '../conformance/webhook.listener';

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(args, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`conformance: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let kafkaSecurity;
  try {
    // The partner's own TLS and SASL settings for its Kafka client, as the hub's (docs/OPERATIONS.md).
    kafkaSecurity = loadKafkaSecurity(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`conformance: ${error.message}\n`);
    return 2;
  }
  const report = await new ConformanceRun(options, {
    hub: new HubClient(options.hub),
    openWebhook: (port, secret) => new WebhookListener(port, secret),
    openFeed: (hub, token) => new FeedReader(hub, token),
    openKafka: (brokers, partnerId, inbound, outbound, prefix) => new KafkaLink(brokers, partnerId, inbound, outbound, prefix, kafkaSecurity),
    now: () => new Date(),
    newId: newEventId,
  }).execute();
  process.stdout.write(options.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${formatReport(report).join('\n')}\n`);
  return exitCodeOf(report);
}

/** Sets the exit code; should a client library leave a handle open, ends the process anyway a moment later. */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}

main(process.argv.slice(2)).then(finish, (error: unknown) => {
  process.stderr.write(`conformance: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  finish(1);
});
