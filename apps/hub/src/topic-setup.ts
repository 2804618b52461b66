import type { Kafka } from 'kafkajs';
import { DEAD_LETTER_RETENTION_DAYS, type Topics } from '@ketenhub/messaging';
import type { Region } from '@ketenhub/routing';

/**
 * Creates each partner's inbound and outbound topic and the dead-letter topic (retention
 * DEAD_LETTER_RETENTION_DAYS); existing ones are left as they are.
 */
export async function ensureTopics(kafka: Kafka, topics: Topics, region: Region, partitions: number): Promise<string[]> {
  const wanted = [
    ...region.config.partners.flatMap((p) => [topics.inbound(p.id), topics.outbound(p.id)]),
    topics.deadLetter(),
  ];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({
          topic, numPartitions: partitions,
          ...(topic === topics.deadLetter() ? { configEntries: [{ name: 'retention.ms', value: String(DEAD_LETTER_RETENTION_DAYS * 86_400_000) }] } : {}),
        })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
