import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuditFields } from '@ketenhub/audit';
import { maskBsns } from '@ketenhub/domain';
import type { Topics } from '@ketenhub/messaging';
import type { AuditStore, OutboxStore } from '@ketenhub/persistence';
import { openPayload } from '@ketenhub/privacy';

export interface ReadDeadLetterDeps {
  dataSource: DataSource;
  outbox: OutboxStore;
  audit: AuditStore;
  topics: Topics;
  /** BSN_ENCRYPTION_KEY: dead letters are sealed with it (apps/hub/src/ingress/rejection.ts). */
  key: Buffer;
  systemId: string;
  accessPoint: string;
}

export interface DeadLetterRead {
  /** The dead letter's ketenhub-message-id. */
  messageId: string;
  /** Who reads it (a person, by name or id): recorded in the audit trail. */
  reader: string;
  /** Why: recorded in the audit trail. */
  purpose: string;
  /** Show BSNs as they were sent; otherwise every elfproef-valid nine-digit run is shown as [bsn]. */
  unmasked: boolean;
  /** The sealed value as read off the topic, for a dead letter the outbox no longer holds. */
  sealed?: Buffer;
}

export type DeadLetterAnswer =
  | { found: true; headers: Record<string, string>; payload: Buffer | null }
  | { found: false; problem: string };

/**
 * Opens one dead letter for a named reader. A dead letter's payload is the rejected message's
 * original bytes sealed with the BSN encryption key, so this is the only way to read one; every
 * read, and every attempt that fails, is an audit record (READ, category dead-letter) naming the
 * reader and the purpose, written before the bytes are handed out.
 */
export class ReadDeadLetterUseCase {
  constructor(private readonly deps: ReadDeadLetterDeps) {}

  async read(request: DeadLetterRead): Promise<DeadLetterAnswer> {
    return this.deps.dataSource.transaction(async (db) => {
      const row = await this.deps.outbox.find(db, this.deps.topics.deadLetter(), request.messageId);
      const sealed = request.sealed ?? row?.value ?? null;
      let answer: DeadLetterAnswer;
      if (!row && request.sealed === undefined) {
        answer = { found: false, problem: `no dead letter ${request.messageId} in the outbox (retention removes published messages; read its value off the topic and pass it with --stdin)` };
      } else {
        try {
          // A dead letter written before they were sealed has no ketenhub-payload header: its bytes are as they came.
          const legacy = request.sealed === undefined && row !== undefined && row.headers['ketenhub-payload'] === undefined;
          const payload = sealed === null ? null : legacy ? sealed : openPayload(this.deps.key, sealed, request.messageId);
          answer = { found: true, headers: row?.headers ?? {}, payload: payload && (request.unmasked ? payload : Buffer.from(maskBsns(payload.toString('utf8')))) };
        } catch {
          answer = { found: false, problem: `dead letter ${request.messageId} does not open with this key (another key, another message's bytes, or changed bytes)` };
        }
      }
      await this.deps.audit.append(db, [this.record(request, answer)]);
      return answer;
    });
  }

  private record(request: DeadLetterRead, answer: DeadLetterAnswer): AuditFields {
    return {
      auditId: randomUUID(), action: 'READ', occurredAt: new Date().toISOString(), outcome: answer.found ? 'SUCCESS' : 'FAILURE',
      systemId: this.deps.systemId, actorPartnerId: null, actorRole: 'OPERATIONS', actorPerson: request.reader,
      recipientPartnerId: null, purpose: `${request.purpose}${request.unmasked ? ' (met BSN)' : ''}`.slice(0, 1_000),
      accessPoint: this.deps.accessPoint, familyId: null, dataCategories: ['dead-letter'], legalBasis: null, ruleId: null, configVersion: null,
      messageId: request.messageId, causationId: null,
    };
  }
}
