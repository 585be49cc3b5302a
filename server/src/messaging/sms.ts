import type { Logger } from 'pino';

/** Where SMS texts go. A real gateway implements this; the default writes them to the log. */
export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

/** Development and demo provider: the text lands in the server log (and nowhere else). */
export class LogSmsSender implements SmsSender {
  constructor(private readonly logger: Logger) {}
  async send(to: string, text: string): Promise<void> {
    this.logger.info({ to, text }, 'sms (log provider)');
  }
}

/** Keeps sent messages in memory; tests read the one-time codes from it. */
export class MemorySmsSender implements SmsSender {
  readonly sent: Array<{ to: string; text: string }> = [];
  async send(to: string, text: string): Promise<void> {
    this.sent.push({ to, text });
  }
}
