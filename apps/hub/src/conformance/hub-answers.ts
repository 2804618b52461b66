import type { DeliveryRecord, HubAnswer, HubClient } from './hub.client';
import type { CloudEvent } from './partner-profile';

/** What the hub says about the partner's deliveries: the one holding the queue up, or what it has since the run began. */
export async function deliveryState(hub: HubClient, token: string, since: Date): Promise<string> {
  const failing = await hub.deliveries(token, { status: 'FAILING', limit: '1' }).catch(() => undefined);
  const head = failing?.items[0];
  if (head) return `the hub reports delivery ${head.messageId} ${describeDelivery(head)}${failing.total > 1 ? ` (${failing.total} failing)` : ''}`;
  const recent = await hub.deliveries(token, { from: since.toISOString(), limit: '100' }).catch(() => undefined);
  if (!recent) return 'the hub would not list its deliveries (GET /deliveries)';
  if (recent.total === 0) return 'the hub has no message for you since the run began, so it has not processed the event yet';
  const dead = recent.items.find((d) => d.status === 'DEAD');
  if (dead) return `the hub reports delivery ${dead.messageId} ${describeDelivery(dead)}`;
  const counts = new Map<string, number>();
  for (const d of recent.items) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  return `the hub has ${recent.total} messages for you since the run began (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})`;
}

function describeDelivery(d: DeliveryRecord): string {
  const type = d.eventType ? `(${d.eventType}) ` : '';
  const error = d.lastError ?? (d.lastHttpStatus !== null ? `the receiver answered ${d.lastHttpStatus}` : 'no attempt yet');
  return `${type}${d.status} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${error}${d.nextAttemptAt ? `, next attempt at ${d.nextAttemptAt}` : ''}`;
}

/** 202 with the event's own id and source back. */
export function isAccepted(answer: HubAnswer, event: CloudEvent): boolean {
  const body = answer.body as { id?: string; source?: string; status?: string };
  return answer.status === 202 && body?.id === event.id && body.source === event.source && body.status === 'accepted';
}

/** An answer in one line: status, reason, detail and the errors' pointers. */
export function describe(answer: HubAnswer): string {
  const body = answer.body as { reason?: string; title?: string; detail?: string; errors?: Array<{ pointer?: string; message?: string }> } | string;
  if (typeof body !== 'object' || body === null) return `${answer.status} ${String(body).slice(0, 200)}`.trim();
  const errors = (body.errors ?? []).map((e) => `${e.pointer || '/'} ${e.message ?? ''}`.trim());
  const text = [body.reason ?? body.title, body.detail].filter(Boolean).join(': ');
  return `${answer.status}${text ? ` ${text}` : ` ${JSON.stringify(body).slice(0, 200)}`}${errors.length > 1 ? ` [${errors.join('; ')}]` : ''}`;
}

export function throttledNote(answer: HubAnswer): string {
  return answer.throttled > 0 ? ` (after ${answer.throttled} × 429: over the partner's request rate)` : '';
}

export function doorHint(answer: HubAnswer, secretsHint: string): string {
  const reason = (answer.body as { reason?: string })?.reason;
  if (answer.status === 401) return `the token was refused; check the client secret (${secretsHint})`;
  if (answer.status === 429) return 'over the partner\'s request rate even after waiting; ask the information manager about rateLimitPerSecond';
  if (reason === 'NIET_TOEGESTAAN') return 'the hub\'s document lists this type for your role but its door refuses it; tell the hub\'s operator';
  return 'the hub\'s own sample was refused: tell the hub\'s operator, with this report';
}
