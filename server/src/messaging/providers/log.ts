import type { Logger } from 'pino';
import type { MessageProvider, OutgoingMessage } from './provider.js';

/** The default: messages land in the server log and nowhere else (development, demos). */
export class LogProvider implements MessageProvider {
  readonly name = 'log';
  constructor(
    private readonly logger: Logger,
    readonly channel: 'sms' | 'email' = 'sms',
  ) {}
  async send(msg: OutgoingMessage) {
    this.logger.info(
      { channel: this.channel, to: msg.to, subject: msg.subject, text: msg.body },
      'message (log provider)',
    );
    return {};
  }
}
