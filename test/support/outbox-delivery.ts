import type { TestingModule } from '@nestjs/testing';
import type { ParsedMail } from 'mailparser';
import { OutboxRelay } from '../../apps/api/src/notifications/outbox-relay.service.js';
import type { SmtpSink } from './smtp-sink.js';
import type { TestApp } from './test-app.js';
import { waitFor } from './wait.js';

/** Hands every intent written so far to the worker and waits until each one's delivery has finished. */
export async function deliverOutbox(t: Pick<TestApp, 'db'>, worker: TestingModule): Promise<void> {
  await worker.get(OutboxRelay).drain();
  await waitFor('every outbox intent is delivered', async () => {
    const { rows } = await t.db.query(`SELECT count(*)::int AS open FROM outbox WHERE finished_at IS NULL`);
    return rows[0].open === 0;
  });
}

/** The addresses a message was sent to, lower-cased. */
export function recipientsOf(mail: ParsedMail): string[] {
  return [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** The messages the sink accepted for one address. */
export function mailsTo(sink: SmtpSink, address: string): ParsedMail[] {
  return sink.messages.filter((m) => recipientsOf(m).includes(address.toLowerCase()));
}
