/**
 * Kafka access for one region as Strimzi resources, generated from its region.yaml: a KafkaTopic
 * per partner topic and the dead-letter topic, a KafkaUser (mTLS certificate from the clients CA,
 * simple ACLs) per partner that connects over Kafka, and one for the hub. Pure: region in, YAML
 * text out; `cli.ts` reads and writes the files. See docs/DEPLOY-KAFKA.md.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { DEAD_LETTER_RETENTION_DAYS, Topics } from '@ketenhub/messaging';
import type { Partner, Region } from '@ketenhub/routing';

export interface StrimziOptions {
  /** The Strimzi `Kafka` resource these belong to (label strimzi.io/cluster). */
  cluster: string;
  namespace?: string;
  /** KETENHUB_TOPIC_PREFIX of the hub these are for: empty, or e.g. `acc.`. */
  prefix?: string;
  /** Partitions per topic (default 3, as KAFKA_TOPIC_PARTITIONS). */
  partitions?: number;
  /** Replicas per topic (default 3; at least 2, since min.insync.replicas is 2). */
  replicas?: number;
}

export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1beta2';
export const DEFAULT_CLUSTER = 'ketenhub';
/**
 * The hub's KafkaUser, and the start of its consumer groups: KAFKA_GROUP_ID (default `<prefix>ketenhub-hub`) for
 * ingress and `<KAFKA_GROUP_ID>-delivery` for the gateway's delivery bridge.
 */
export const HUB_USER = 'ketenhub-hub';
export const HUB_GROUP_PREFIX = 'ketenhub-';
const DAY_MS = 24 * 60 * 60 * 1000;
export const PARTNER_TOPIC_RETENTION_MS = 14 * DAY_MS;
export const DEAD_LETTER_RETENTION_MS = DEAD_LETTER_RETENTION_DAYS * DAY_MS;
const MIN_INSYNC_REPLICAS = 2;
/** Strimzi puts the KafkaUser's name in its certificate's CN, which holds at most 64 characters. */
const MAX_USER_NAME = 64;

/** Where the generated file for a region folder `config/regions/<name>` lives. */
export function accessFileOf(root: string, regionDirName: string): string {
  return path.join(root, 'deploy', 'strimzi', regionDirName, 'kafka-access.yaml');
}

export type Connection = NonNullable<Partner['connection']>['via'];

/** How a partner connects; absent `connection` means Kafka (schemas/config/region.v1.schema.json). */
export function connectionOf(partner: Partner): Connection {
  return partner.connection?.via ?? 'KAFKA';
}

export type AclOperation = 'Read' | 'Write' | 'Describe' | 'IdempotentWrite';
export type AclResource =
  | { type: 'topic' | 'group'; name: string; patternType: 'literal' | 'prefix' }
  | { type: 'cluster' };
export interface AclRule {
  resource: AclResource;
  operations: AclOperation[];
}

/** The resources cannot be generated as asked (names Kubernetes or Kafka would refuse, or ACLs that would overlap). */
export class StrimziAccessError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot generate Kafka access:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StrimziAccessError';
  }
}

/** A partner writes its inbound topic, reads its outbound topic, and uses consumer groups named after itself. */
export function partnerAcls(partnerId: string, prefix = ''): AclRule[] {
  const topics = new Topics(prefix);
  return [
    { resource: { type: 'topic', name: topics.inbound(partnerId), patternType: 'literal' }, operations: ['Write', 'Describe'] },
    { resource: { type: 'topic', name: topics.outbound(partnerId), patternType: 'literal' }, operations: ['Read', 'Describe'] },
    { resource: { type: 'group', name: `${prefix}${partnerId}`, patternType: 'prefix' }, operations: ['Read'] },
  ];
}

/**
 * The hub reads every inbound topic and writes every outbound topic and the dead-letter topic. For a
 * partner connected over HTTPS its gateway writes what the partner posts to the partner's inbound
 * topic (apps/hub/src/gateway/http-ingress.ts), and its delivery bridge reads the partner's outbound
 * topic (delivery.bridge.ts).
 */
export function hubAcls(partners: Partner[], prefix = ''): AclRule[] {
  const topics = new Topics(prefix);
  const overHttps = partners.filter((p) => connectionOf(p) !== 'KAFKA');
  return [
    { resource: { type: 'topic', name: `${prefix}inbound.`, patternType: 'prefix' }, operations: ['Read', 'Describe'] },
    { resource: { type: 'topic', name: `${prefix}outbound.`, patternType: 'prefix' }, operations: ['Write', 'Describe'] },
    { resource: { type: 'topic', name: topics.deadLetter(), patternType: 'literal' }, operations: ['Write', 'Describe'] },
    ...overHttps.flatMap((p): AclRule[] => [
      { resource: { type: 'topic', name: topics.inbound(p.id), patternType: 'literal' }, operations: ['Write'] },
      { resource: { type: 'topic', name: topics.outbound(p.id), patternType: 'literal' }, operations: ['Read'] },
    ]),
    { resource: { type: 'group', name: `${prefix}${HUB_GROUP_PREFIX}`, patternType: 'prefix' }, operations: ['Read'] },
    { resource: { type: 'cluster' }, operations: ['IdempotentWrite'] },
  ];
}

/** A Kubernetes name for a Kafka name: `acc.inbound.toegang-almere` → `acc-inbound-toegang-almere`. */
export function kubernetesNameOf(kafkaName: string): string {
  return kafkaName.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

const KUBERNETES_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

interface Resource {
  comments: string[];
  value: Record<string, unknown>;
}

/** Every KafkaTopic and KafkaUser for the region, as one multi-document YAML stream. */
export function strimziManifests(region: Pick<Region, 'config' | 'version'>, options: StrimziOptions): string {
  const prefix = options.prefix ?? '';
  const partitions = options.partitions ?? 3;
  const replicas = options.replicas ?? 3;
  const { config } = region;
  const topics = new Topics(prefix);
  const problems = checkOptions(options, prefix, partitions, replicas);
  if (problems.length > 0) throw new StrimziAccessError(problems);

  const metadata = (name: string, labels: Record<string, string>): Record<string, unknown> => ({
    name,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    labels: { 'strimzi.io/cluster': options.cluster, 'app.kubernetes.io/part-of': 'ketenhub', 'ketenhub.nl/region': config.region, ...labels },
  });
  const topic = (name: string, retentionMs: number, comment: string, labels: Record<string, string>): Resource => ({
    comments: [comment],
    value: {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaTopic',
      metadata: metadata(kubernetesNameOf(name), labels),
      spec: { topicName: name, partitions, replicas, config: { 'retention.ms': retentionMs, 'min.insync.replicas': MIN_INSYNC_REPLICAS } },
    },
  });
  const user = (name: string, acls: AclRule[], comments: string[], labels: Record<string, string>): Resource => ({
    comments,
    value: {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaUser',
      metadata: metadata(name, labels),
      spec: { authentication: { type: 'tls' }, authorization: { type: 'simple', acls } },
    },
  });

  const partnerTopics = config.partners.flatMap((p) => {
    const via = connectionOf(p);
    const labels = { 'ketenhub.nl/partner': p.id };
    return via === 'KAFKA'
      ? [
          topic(topics.inbound(p.id), PARTNER_TOPIC_RETENTION_MS, `${p.id} (${p.name}) writes, the hub reads`, labels),
          topic(topics.outbound(p.id), PARTNER_TOPIC_RETENTION_MS, `the hub writes, ${p.id} reads`, labels),
        ]
      : [
          topic(topics.inbound(p.id), PARTNER_TOPIC_RETENTION_MS, `${p.id} (${p.name}) connects over ${via} and has no Kafka access: the hub's gateway writes what it posts, the hub reads`, labels),
          topic(topics.outbound(p.id), PARTNER_TOPIC_RETENTION_MS, `the hub writes; its delivery bridge (group ${prefix}ketenhub-hub-delivery) reads and delivers over ${via}`, labels),
        ];
  });
  const hub = user(`${kubernetesNameOf(prefix)}${HUB_USER}`, hubAcls(config.partners, prefix), [
    'The hub: reads every inbound topic, writes every outbound topic and the dead-letter topic; consumer groups',
    `${prefix}ketenhub-hub (ingress) and ${prefix}ketenhub-hub-delivery (the gateway's delivery bridge). For each partner over HTTPS,`,
    'its gateway writes what the partner posts to the partner\'s inbound topic and the bridge reads its outbound topic.',
    'IdempotentWrite on the cluster: the outbox relay\'s producer is idempotent, and brokers before Kafka 2.8 require it',
    '(later ones accept Write on a topic). No Create and no cluster Describe: the topics are the KafkaTopics in this file,',
    'so the hub\'s start-up check finds them all and creates none (a missing one fails its start with an authorization',
    'error instead of creating a topic nobody manages); metadata, the health check and the lag metric need only the',
    'topic and group Describe granted here.',
  ], { 'ketenhub.nl/partner': 'hub' });
  const partnerUsers: Array<Resource | string> = config.partners.map((p) => {
    const via = connectionOf(p);
    if (via !== 'KAFKA') return `${p.id} (${p.name}) connects over ${via}: no KafkaUser, no Kafka access at all.`;
    return user(`${kubernetesNameOf(prefix)}${p.id}`, partnerAcls(p.id, prefix), [
      `${p.id} (${p.name}), ${p.role}: writes ${topics.inbound(p.id)}, reads ${topics.outbound(p.id)}, consumer groups starting with ${prefix}${p.id}.`,
    ], { 'ketenhub.nl/partner': p.id });
  });

  const resources = [
    topic(topics.deadLetter(), DEAD_LETTER_RETENTION_MS, 'rejected messages, their original bytes sealed with the BSN encryption key, and reasons; the hub writes', { 'ketenhub.nl/partner': 'hub' }),
    ...partnerTopics,
    hub,
    ...partnerUsers,
  ];
  const names = resources.flatMap((r) => (typeof r === 'string' ? [] : [`${String(r.value.kind)}/${String((r.value.metadata as { name: string }).name)}`]));
  const nameProblems = checkNames(names, config.partners.filter((p) => connectionOf(p) === 'KAFKA'), prefix);
  if (nameProblems.length > 0) throw new StrimziAccessError(nameProblems);

  const header = [
    `Generated by \`npm run deploy:strimzi\` from region ${config.region} (${config.name}), configuration version ${region.version}.`,
    'Do not edit by hand: change config/regions/<region>/region.yaml and generate again (docs/DEPLOY-KAFKA.md).',
    '',
    `Retention: inbound and outbound topics ${PARTNER_TOPIC_RETENTION_MS / DAY_MS} days, so a partner system or the hub that was down (over a`,
    'long weekend, say) catches up from where it stopped; the hub\'s durable record is PostgreSQL (inbox, outbox, audit),',
    `not the topics. The dead-letter topic ${DEAD_LETTER_RETENTION_MS / DAY_MS} days, as long as the outbox keeps its row: enough to investigate a`,
    'rejection with its sender from the original bytes, and no longer, because those bytes (sealed) hold personal data.',
    `min.insync.replicas ${MIN_INSYNC_REPLICAS} with ${replicas} replicas: a write acknowledged by all in-sync replicas (acks=all, the kafkajs`,
    'default) is on at least two brokers.',
  ];
  let out = header.map(commentLine).join('');
  for (const r of resources) {
    if (typeof r === 'string') out += commentLine(r);
    else out += `---\n${r.comments.map(commentLine).join('')}${stringify(r.value, { lineWidth: 0 })}`;
  }
  return out;
}

/** One comment line; a line break in a partner's name must not end the comment and start YAML of its own. */
function commentLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
  return line === '' ? '#\n' : `# ${line}\n`;
}

function checkOptions(options: StrimziOptions, prefix: string, partitions: number, replicas: number): string[] {
  const problems: string[] = [];
  if (!KUBERNETES_NAME.test(options.cluster)) problems.push(`cluster '${options.cluster}' is not a Kubernetes name (lowercase letters, digits and dashes)`);
  if (options.namespace !== undefined && !KUBERNETES_NAME.test(options.namespace)) problems.push(`namespace '${options.namespace}' is not a Kubernetes name`);
  // The same rule as KETENHUB_TOPIC_PREFIX in libs/config.
  if (prefix !== '' && !/^[a-z0-9-]+\.$/.test(prefix)) problems.push(`prefix must be lowercase letters, digits and dashes ending in '.' (got '${prefix}')`);
  if (!Number.isInteger(partitions) || partitions < 1) problems.push(`partitions must be a whole number of at least 1 (got ${partitions})`);
  if (!Number.isInteger(replicas) || replicas < MIN_INSYNC_REPLICAS) {
    problems.push(`replicas must be a whole number of at least ${MIN_INSYNC_REPLICAS}, since min.insync.replicas is ${MIN_INSYNC_REPLICAS} (got ${replicas})`);
  }
  return problems;
}

function checkNames(names: string[], kafkaPartners: Partner[], prefix: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const short = name.slice(name.indexOf('/') + 1);
    if (seen.has(name)) problems.push(`${name} would be generated twice`);
    seen.add(name);
    if (short.length > 253 || !KUBERNETES_NAME.test(short)) problems.push(`${name} is not a valid Kubernetes name`);
    if (name.startsWith('KafkaUser/') && short.length > MAX_USER_NAME) problems.push(`${name} is longer than ${MAX_USER_NAME} characters, the most a certificate's CN holds`);
  }
  // A group prefix that starts another would give one principal the other's consumer groups.
  const groups = [
    { owner: 'the hub', prefix: `${prefix}${HUB_GROUP_PREFIX}` },
    ...kafkaPartners.map((p) => ({ owner: `partner ${p.id}`, prefix: `${prefix}${p.id}` })),
  ];
  groups.forEach((a, i) => groups.slice(i + 1).forEach((b) => {
    if (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix)) {
      problems.push(`consumer groups of ${a.owner} ('${a.prefix}…') and ${b.owner} ('${b.prefix}…') overlap: a partner id may not be the start of another partner's id or of '${HUB_GROUP_PREFIX}hub', nor begin with '${HUB_GROUP_PREFIX}'`);
    }
  }));
  return problems;
}
