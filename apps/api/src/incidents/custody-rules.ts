import type { FieldError } from '../common/problem.js';

/**
 * The rules that keep a chain of custody consistent, as pure checks over instants (ms since the
 * epoch). A chain is only worth something if it could have happened: nothing is collected or
 * handed over in the future, nothing is collected before the incident began, and every transfer
 * starts with whoever holds the item, no earlier than the collection or the previous transfer.
 */

/** How far in the future a collection or transfer time may lie (clock skew between a client and the server). */
export const CUSTODY_CLOCK_SKEW_MS = 5 * 60_000;

/** What the rules need to know of the incident: the earliest known moment it began. */
export interface IncidentTimes {
  occurredAt: Date | null;
  awareAt: Date;
}

/** The start of custody or its last accepted hand-over: who holds the item since when. */
export interface Custody {
  collectedAt: Date;
  /** The collector, or the `to` of the last accepted transfer. */
  custodian: string;
  /** The time of the last recorded transfer (accepted or refused), if any. */
  lastTransferAt: Date | null;
}

/** A party's name as compared: surrounding spaces do not make another person. */
const party = (name: string) => name.trim();

/**
 * collectedAt is when the item was taken into custody, not when its content was produced (a log
 * line, a backup): that can happen only once the incident has begun, so not before its occurredAt,
 * or its awareAt when the time of occurrence is unknown (the earliest moment the incident is known
 * to have existed); and not in the future.
 */
export function collectionErrors(collectedAt: string, incident: IncidentTimes, now: Date): FieldError[] {
  const at = Date.parse(collectedAt);
  const errors: FieldError[] = [];
  if (at > now.getTime() + CUSTODY_CLOCK_SKEW_MS) {
    errors.push({ field: 'collectedAt', rule: 'notFuture', message: 'collectedAt must not be in the future' });
  }
  const began = incident.occurredAt ?? incident.awareAt;
  if (at < began.getTime()) {
    errors.push({
      field: 'collectedAt',
      rule: 'notBeforeIncident',
      message: `collectedAt must not be before the incident began (${incident.occurredAt ? 'occurredAt' : 'awareAt'} ${began.toISOString()})`,
      params: { bound: incident.occurredAt ? 'occurredAt' : 'awareAt', boundAt: began.toISOString() },
    });
  }
  return errors;
}

/**
 * A transfer happens no earlier than the collection and the previous transfer, not in the future,
 * and from the party that holds the item.
 */
export function transferErrors(transfer: { from: string; at: string }, custody: Custody, now: Date): FieldError[] {
  const at = Date.parse(transfer.at);
  const errors: FieldError[] = [];
  if (at > now.getTime() + CUSTODY_CLOCK_SKEW_MS) errors.push({ field: 'at', rule: 'notFuture', message: 'at must not be in the future' });
  if (at < custody.collectedAt.getTime()) {
    errors.push({
      field: 'at',
      rule: 'notBeforeCollection',
      message: `at must not be before the collection (${custody.collectedAt.toISOString()})`,
      params: { collectedAt: custody.collectedAt.toISOString() },
    });
  } else if (custody.lastTransferAt && at < custody.lastTransferAt.getTime()) {
    errors.push({
      field: 'at',
      rule: 'notBeforePreviousTransfer',
      message: `at must not be before the previous transfer (${custody.lastTransferAt.toISOString()})`,
      params: { previousAt: custody.lastTransferAt.toISOString() },
    });
  }
  if (party(transfer.from) !== party(custody.custodian)) {
    errors.push({
      field: 'from',
      rule: 'currentCustodian',
      message: `from must be the current custodian (${custody.custodian})`,
      params: { custodian: custody.custodian },
    });
  }
  return errors;
}
