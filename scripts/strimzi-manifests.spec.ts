import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { loadRegion, type Partner, type Region } from '@ketenhub/routing';
import { accessFileOf, DEFAULT_CLUSTER, strimziManifests, StrimziAccessError, type AclRule } from '../deploy/strimzi/generate';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: { topicName?: string; authorization?: { type: string; acls: AclRule[] }; authentication?: { type: string } };
}

const root = repoRoot();
const contracts = Contracts.load();
const regionNames = fs.readdirSync(path.join(root, 'config', 'regions'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const region = (name: string): Region => loadRegion(path.join(root, 'config', 'regions', name), contracts);

function manifestsOf(text: string): Manifest[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Manifest;
  });
}

const users = (manifests: Manifest[]): Map<string, AclRule[]> =>
  new Map(manifests.filter((m) => m.kind === 'KafkaUser').map((m) => [m.metadata.name, m.spec.authorization?.acls ?? []]));

/** The topics of the file an ACL rule reaches, whether it names them literally or by prefix. */
function topicsReached(rule: AclRule, topics: string[]): string[] {
  const r = rule.resource;
  if (r.type !== 'topic') return [];
  return topics.filter((t) => (r.patternType === 'literal' ? t === r.name : t.startsWith(r.name)));
}

describe('deploy/strimzi/<region>/kafka-access.yaml', () => {
  it.each(regionNames)('%s matches its region.yaml (run `npm run deploy:strimzi` after changing one)', (name) => {
    expect(fs.readFileSync(accessFileOf(root, name), 'utf8')).toBe(strimziManifests(region(name), { cluster: DEFAULT_CLUSTER }));
  });

  it.each(regionNames)('%s: every document parses and is a Strimzi v1beta2 resource of the ketenhub cluster', (name) => {
    const manifests = manifestsOf(fs.readFileSync(accessFileOf(root, name), 'utf8'));
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      expect(m.apiVersion).toBe('kafka.strimzi.io/v1beta2');
      expect(['KafkaTopic', 'KafkaUser']).toContain(m.kind);
      expect(m.metadata.labels['strimzi.io/cluster']).toBe(DEFAULT_CLUSTER);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    }
  });
});

describe('strimziManifests: who may do what (flevoland)', () => {
  const flevoland = region('flevoland');
  const manifests = manifestsOf(strimziManifests(flevoland, { cluster: DEFAULT_CLUSTER }));
  const topics = manifests.filter((m) => m.kind === 'KafkaTopic').map((m) => m.spec.topicName ?? '');
  const byUser = users(manifests);
  const partners = flevoland.config.partners;

  it('has a topic for every partner\'s inbound and outbound, and the dead-letter topic, each with a Kubernetes name of its own', () => {
    expect([...topics].sort()).toEqual([...partners.flatMap((p) => [`inbound.${p.id}`, `outbound.${p.id}`]), 'ketenhub.deadletter'].sort());
    const names = manifests.filter((m) => m.kind === 'KafkaTopic').map((m) => m.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('inbound-toegang-almere');
  });

  it('gives every Kafka partner exactly: write its inbound topic, read its outbound topic, its own consumer groups', () => {
    expect([...byUser.keys()].sort()).toEqual(['ketenhub-hub', ...partners.map((p) => p.id)].sort());
    for (const p of partners) {
      const user = manifests.find((m) => m.kind === 'KafkaUser' && m.metadata.name === p.id);
      expect(user?.spec.authentication).toEqual({ type: 'tls' });
      expect(user?.spec.authorization?.type).toBe('simple');
      expect(byUser.get(p.id)).toEqual([
        { resource: { type: 'topic', name: `inbound.${p.id}`, patternType: 'literal' }, operations: ['Write', 'Describe'] },
        { resource: { type: 'topic', name: `outbound.${p.id}`, patternType: 'literal' }, operations: ['Read', 'Describe'] },
        { resource: { type: 'group', name: p.id, patternType: 'prefix' }, operations: ['Read'] },
      ]);
    }
  });

  it('reaches no other partner\'s topic, the dead-letter topic, or another\'s consumer groups', () => {
    for (const p of partners) {
      const reached = (byUser.get(p.id) ?? []).flatMap((rule) => topicsReached(rule, topics));
      expect(new Set(reached)).toEqual(new Set([`inbound.${p.id}`, `outbound.${p.id}`]));
      const groupOwners = [...partners.filter((q) => q.id !== p.id).map((q) => q.id), 'ketenhub-hub', 'ketenhub-hub-delivery'];
      expect(groupOwners.filter((g) => g.startsWith(p.id))).toEqual([]);
    }
  });

  it('lets the hub read every inbound topic and write every outbound topic and the dead-letter topic, nothing more', () => {
    const hub = byUser.get('ketenhub-hub') ?? [];
    expect(hub).toEqual([
      { resource: { type: 'topic', name: 'inbound.', patternType: 'prefix' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'topic', name: 'outbound.', patternType: 'prefix' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'topic', name: 'ketenhub.deadletter', patternType: 'literal' }, operations: ['Write', 'Describe'] },
      { resource: { type: 'group', name: 'ketenhub-', patternType: 'prefix' }, operations: ['Read'] },
      { resource: { type: 'cluster' }, operations: ['IdempotentWrite'] },
    ]);
    const reads = hub.filter((r) => r.operations.includes('Read')).flatMap((r) => topicsReached(r, topics));
    expect(reads.sort()).toEqual(partners.map((p) => `inbound.${p.id}`).sort());
    const writes = hub.filter((r) => r.operations.includes('Write')).flatMap((r) => topicsReached(r, topics));
    expect(writes.sort()).toEqual([...partners.map((p) => `outbound.${p.id}`), 'ketenhub.deadletter'].sort());
  });
});

describe('strimziManifests: a partner connected over HTTPS', () => {
  const flevoland = region('flevoland');
  const overHttps = (p: Partner): Partner => (p.id === 'toegang-urk' ? { ...p, connection: { via: 'HTTPS_WEBHOOK', webhookUrl: 'https://urk.example.nl/ketenhub' } } : p);
  const modified = { ...flevoland, config: { ...flevoland.config, partners: flevoland.config.partners.map(overHttps) } };
  const text = strimziManifests(modified, { cluster: DEFAULT_CLUSTER });
  const manifests = manifestsOf(text);
  const byUser = users(manifests);

  it('gets no KafkaUser and no ACL anywhere but the hub\'s, and the file says so', () => {
    expect(byUser.has('toegang-urk')).toBe(false);
    expect(byUser.size).toBe(flevoland.config.partners.length);
    expect(text).toContain('\n# toegang-urk (Sociale zorgteams Urk) connects over HTTPS_WEBHOOK: no KafkaUser, no Kafka access at all.\n');
    for (const [name, acls] of byUser) {
      if (name !== 'ketenhub-hub') expect(JSON.stringify(acls)).not.toContain('toegang-urk');
    }
  });

  it('keeps its topics; the hub\'s gateway may write its inbound topic and its delivery bridge read its outbound topic', () => {
    const topics = manifests.filter((m) => m.kind === 'KafkaTopic').map((m) => m.spec.topicName);
    expect(topics).toEqual(expect.arrayContaining(['inbound.toegang-urk', 'outbound.toegang-urk']));
    expect(byUser.get('ketenhub-hub')).toContainEqual({ resource: { type: 'topic', name: 'inbound.toegang-urk', patternType: 'literal' }, operations: ['Write'] });
    expect(byUser.get('ketenhub-hub')).toContainEqual({ resource: { type: 'topic', name: 'outbound.toegang-urk', patternType: 'literal' }, operations: ['Read'] });
    expect(strimziManifests(flevoland, { cluster: DEFAULT_CLUSTER })).not.toContain('connects over');
  });
});

describe('strimziManifests: options and refusals', () => {
  const demo = region('demo');

  it('puts a topic prefix on topics, users and consumer groups alike, and a namespace on every resource', () => {
    const manifests = manifestsOf(strimziManifests(demo, { cluster: 'kafka-acc', namespace: 'ketenhub-acc', prefix: 'acc.', partitions: 6 }));
    for (const m of manifests) {
      expect(m.metadata.labels['strimzi.io/cluster']).toBe('kafka-acc');
      expect((m.metadata as { namespace?: string }).namespace).toBe('ketenhub-acc');
    }
    const topic = manifests.find((m) => m.spec.topicName === 'acc.inbound.toegang-almere');
    expect(topic?.metadata.name).toBe('acc-inbound-toegang-almere');
    expect((topic?.spec as { partitions?: number }).partitions).toBe(6);
    const byUser = users(manifests);
    expect(byUser.get('acc-toegang-almere')).toContainEqual({ resource: { type: 'group', name: 'acc.toegang-almere', patternType: 'prefix' }, operations: ['Read'] });
    expect(byUser.get('acc-ketenhub-hub')).toContainEqual({ resource: { type: 'topic', name: 'acc.inbound.', patternType: 'prefix' }, operations: ['Read', 'Describe'] });
    expect(byUser.get('acc-ketenhub-hub')).toContainEqual({ resource: { type: 'group', name: 'acc.ketenhub-', patternType: 'prefix' }, operations: ['Read'] });
  });

  it('refuses partner ids whose consumer-group prefixes would overlap, naming both', () => {
    const withIds = (...ids: string[]) => ({
      ...demo,
      config: { ...demo.config, partners: ids.map((id) => ({ id, name: id, role: 'AANBIEDER' as const })) },
    });
    expect(() => strimziManifests(withIds('toegang', 'toegang-almere'), { cluster: DEFAULT_CLUSTER })).toThrow(/partner toegang .*and partner toegang-almere .*overlap/);
    expect(() => strimziManifests(withIds('ketenhub-hub'), { cluster: DEFAULT_CLUSTER })).toThrow(StrimziAccessError);
    expect(() => strimziManifests(withIds('ketenhub'), { cluster: DEFAULT_CLUSTER })).toThrow(/the hub/);
  });

  it('keeps a line break in a partner\'s name inside its comment', () => {
    const sneaky = { ...demo, config: { ...demo.config, partners: demo.config.partners.map((p, i) => (i === 0 ? { ...p, name: 'Almere\napiVersion: v1\nkind: Secret' } : p)) } };
    const manifests = manifestsOf(strimziManifests(sneaky, { cluster: DEFAULT_CLUSTER }));
    expect(manifests.map((m) => m.kind).filter((k) => k !== 'KafkaTopic' && k !== 'KafkaUser')).toEqual([]);
    expect(manifests).toHaveLength(manifestsOf(strimziManifests(demo, { cluster: DEFAULT_CLUSTER })).length);
  });

  it('refuses fewer replicas than min.insync.replicas and a prefix the hub would refuse', () => {
    expect(() => strimziManifests(demo, { cluster: DEFAULT_CLUSTER, replicas: 1 })).toThrow(/replicas must be .* at least 2/);
    expect(() => strimziManifests(demo, { cluster: DEFAULT_CLUSTER, prefix: 'Acc' })).toThrow(/prefix must be/);
  });
});
