/** Branded ids: a family id cannot be passed where a partner id is expected. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type FamilyId = Brand<string, 'FamilyId'>;
export type PersonId = Brand<string, 'PersonId'>;
export type PartnerId = Brand<string, 'PartnerId'>;
export type EventId = Brand<string, 'EventId'>;

export const asFamilyId = (value: string): FamilyId => value as FamilyId;
export const asPersonId = (value: string): PersonId => value as PersonId;
export const asPartnerId = (value: string): PartnerId => value as PartnerId;
export const asEventId = (value: string): EventId => value as EventId;
