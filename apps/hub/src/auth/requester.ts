/** Who asks, as the API knows them after checking their token. */
export type Requester =
  | { kind: 'PARTNER'; partnerId: string; role: string; person?: string }
  | { kind: 'PRIVACY_OFFICER'; person: string }
  | { kind: 'INFORMATIEMANAGER'; person: string };

/** The NEN 7513 actor fields of an audit record for a requester. */
export function actorOf(requester: Requester): { actorPartnerId: string | null; actorRole: string; actorPerson?: string } {
  if (requester.kind === 'PARTNER') {
    return { actorPartnerId: requester.partnerId, actorRole: requester.role, ...(requester.person ? { actorPerson: requester.person } : {}) };
  }
  return { actorPartnerId: null, actorRole: requester.kind, actorPerson: requester.person };
}
