/**
 * A real single-node Apache Kafka broker in KRaft mode for development and tests.
 *
 * The jars come from Maven Central through deploy/kafka/pom.xml and are cached outside git
 * (KETENHUB_CACHE_DIR, default ~/.cache/ketenhub). The broker runs on the machine's Java 17+
 * on free loopback ports; internal topics have replication factor and min ISR 1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalPki } from './kafka-tls';
import { freePort, guardChild, repoRoot, waitFor } from './process-util';

export interface RunningKafka {
  brokers: string;
  version: string;
  logFile: string;
  /** With KafkaStartOptions.tls: the TLS listener (client certificate required) and the SASL_SSL (SCRAM) one. */
  tlsBrokers?: string;
  saslBrokers?: string;
  stop(): Promise<void>;
  /** SIGKILL: no clean shutdown, so the broker recovers its log when it starts again on the same data. */
  kill(): Promise<void>;
}

export interface KafkaStartOptions {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
  /**
   * Also listen with TLS, the broker's certificate from `pki`: one listener that requires a
   * client certificate signed by its CA (mutual TLS, principal User:CN=<name>), and one SASL_SSL
   * listener with SCRAM-SHA-256 and -512 for `scramUsers` (created when the storage is formatted).
   */
  tls?: {
    pki: LocalPki;
    scramUsers?: Array<{ name: string; password: string }>;
    /**
     * With these, the broker authorises (StandardAuthorizer, no ACLs): only these principals
     * (e.g. User:CN=ketenhub-hub) and the plaintext listener's User:ANONYMOUS get in at all.
     */
    superUsers?: string[];
  };
}

interface Listeners {
  port: number;
  controllerPort: number;
  tls?: { port: number; saslPort: number; pki: LocalPki; superUsers?: string[] };
}

function cacheDir(): string {
  return process.env.KETENHUB_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ketenhub');
}

/** Resolves the broker's jars once per pom.xml content; returns the folder that holds them. */
export function resolveKafkaJars(log: (line: string) => void = () => undefined): string {
  const pom = path.join(repoRoot(), 'deploy', 'kafka', 'pom.xml');
  const digest = createHash('sha256').update(fs.readFileSync(pom)).digest('hex').slice(0, 16);
  const target = path.join(cacheDir(), `kafka-jars-${digest}`);
  if (fs.existsSync(path.join(target, '.complete'))) return target;

  log(`resolving the Kafka broker's jars with Maven into ${target} (first run downloads about 70 MB)`);
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.error) {
    throw new Error(`could not run Maven ('mvn') to fetch Kafka: ${result.error.message}. Install Maven 3.8+ and Java 17+.`);
  }
  if (result.status !== 0) {
    throw new Error(`Maven could not resolve deploy/kafka/pom.xml (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return target;
}

function kafkaVersionOf(jarDir: string): string {
  const jar = fs.readdirSync(jarDir).find((name) => /^kafka_2\.13-.*\.jar$/.test(name));
  if (!jar) throw new Error(`no kafka_2.13 jar in ${jarDir}`);
  return jar.replace(/^kafka_2\.13-/, '').replace(/\.jar$/, '');
}

/** The TLS listeners' settings: the broker's key and chain, the CA as truststore; mutual TLS on SSL, SCRAM on SASL_SSL. */
function tlsLines(pki: LocalPki): string[] {
  const store = (listener: string) => [
    `listener.name.${listener}.ssl.keystore.type=PEM`,
    `listener.name.${listener}.ssl.keystore.location=${pki.brokerKeystoreFile}`,
    `listener.name.${listener}.ssl.truststore.type=PEM`,
    `listener.name.${listener}.ssl.truststore.location=${pki.caFile}`,
  ];
  return [
    ...store('ssl'),
    'listener.name.ssl.ssl.client.auth=required',
    ...store('sasl_ssl'),
    'listener.name.sasl_ssl.ssl.client.auth=none',
    'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
  ];
}

function writeBrokerConfig(dataDir: string, at: Listeners): string {
  const { port, controllerPort, tls } = at;
  const logDir = path.join(dataDir, 'kraft-logs');
  const file = path.join(dataDir, 'server.properties');
  const clientListeners = [`PLAINTEXT://127.0.0.1:${port}`, ...(tls ? [`SSL://127.0.0.1:${tls.port}`, `SASL_SSL://127.0.0.1:${tls.saslPort}`] : [])];
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[...clientListeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
    `advertised.listeners=${clientListeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${tls ? ',SSL:SSL,SASL_SSL:SASL_SSL' : ''}`,
    'inter.broker.listener.name=PLAINTEXT',
    ...(tls ? tlsLines(tls.pki) : []),
    ...(tls?.superUsers ? [
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=${['User:ANONYMOUS', ...tls.superUsers].join(';')}`,
      'allow.everyone.if.no.acl.found=false',
    ] : []),
    `log.dirs=${logDir}`,
    // Single node: every internal topic lives on this one broker.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'default.replication.factor=1',
    'group.initial.rebalance.delay.ms=0',
    // The hub creates the topics it needs; a typo in a topic name must fail, not create one.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'log.retention.hours=168',
    'log.segment.bytes=67108864',
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const log4j = [
    'log4j.rootLogger=INFO, file',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.storage=WARN',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${path.join(dataDir, 'broker.log')}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  ];
  fs.writeFileSync(path.join(dataDir, 'log4j.properties'), log4j.join('\n') + '\n');
  return file;
}

function java(jarDir: string, dataDir: string, args: string[], heap = '256m'): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${path.join(dataDir, 'log4j.properties')}`,
    '-cp',
    `${jarDir}/*`,
    ...args,
  ];
}

export async function startKafka(options: KafkaStartOptions): Promise<RunningKafka> {
  const log = options.log ?? (() => undefined);
  const jarDir = resolveKafkaJars(log);
  const version = kafkaVersionOf(jarDir);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const tls = options.tls ? { port: await freePort(), saslPort: await freePort(), pki: options.tls.pki, superUsers: options.tls.superUsers } : undefined;
  const config = writeBrokerConfig(options.dataDir, { port, controllerPort, tls });
  // SCRAM credentials live in the cluster's metadata: in KRaft they are written when the storage is formatted.
  const scram = (options.tls?.scramUsers ?? []).flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));

  if (!fs.existsSync(path.join(options.dataDir, 'kraft-logs', 'meta.properties'))) {
    const format = spawnSync(
      'java',
      java(jarDir, options.dataDir, ['kafka.tools.StorageTool', 'format', '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', config, ...scram], '128m'),
      { encoding: 'utf8' },
    );
    if (format.error) throw new Error(`could not run Java to format Kafka storage: ${format.error.message}`);
    if (format.status !== 0) throw new Error(`Kafka storage format failed:\n${format.stdout}\n${format.stderr}`);
  }

  const out = fs.openSync(path.join(options.dataDir, 'broker.out'), 'a');
  const child: ChildProcess = spawn('java', java(jarDir, options.dataDir, ['kafka.Kafka', config], '512m'), {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error('could not start the Kafka broker (java did not start)');
  guardChild(child.pid, 'TERM');
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));

  const brokers = `127.0.0.1:${port}`;
  const kafka = new Kafka({ clientId: 'ketenhub-devenv', brokers: [brokers], logLevel: logLevel.NOTHING });
  try {
    await waitFor(
      `Kafka ${version} on ${brokers} (log: ${path.join(options.dataDir, 'broker.log')})`,
      async () => {
        if (exited) throw new Error('the broker process exited; see broker.out');
        const admin = kafka.admin();
        await admin.connect();
        try {
          const cluster = await admin.describeCluster();
          return cluster.brokers.length > 0 ? true : undefined;
        } finally {
          await admin.disconnect();
        }
      },
      90_000,
      300,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    brokers,
    version,
    logFile: path.join(options.dataDir, 'broker.log'),
    ...(tls ? { tlsBrokers: `127.0.0.1:${tls.port}`, saslBrokers: `127.0.0.1:${tls.saslPort}` } : {}),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(timer);
    },
    async kill() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
