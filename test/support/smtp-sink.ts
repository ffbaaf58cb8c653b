import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A real SMTP server in the test process; what it accepts is parsed with mailparser. */
export interface SmtpSink {
  url: string;
  messages: ParsedMail[];
  /** Messages refused so far. */
  refused: number;
  /** Refuse the next N messages with a temporary error (451). */
  refuseNext(n: number): void;
  /** Refuse every message with a permanent error (550) until set back. */
  refuseAll(on: boolean): void;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /**
   * Runs before the server accepts a parsed message (after the refusals): a test can slow the
   * acceptance down or hold it, so that the sender's job stays in flight meanwhile.
   */
  beforeAccept?: (mail: ParsedMail) => Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  let refuseCount = 0;
  let refuseEverything = false;
  const sink = {
    url: '',
    messages,
    refused: 0,
    refuseNext: (n: number) => {
      refuseCount = n;
    },
    refuseAll: (on: boolean) => {
      refuseEverything = on;
    },
    close: async () => undefined,
  } as SmtpSink;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          if (refuseEverything) {
            sink.refused += 1;
            return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          }
          if (refuseCount > 0) {
            refuseCount -= 1;
            sink.refused += 1;
            return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          }
          await options.beforeAccept?.(mail);
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}
