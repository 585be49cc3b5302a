import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryError, type MessageProvider, type OutgoingMessage } from './provider.js';

export interface SmtpOptions {
  /** smtp://user:pass@host:587 or smtps://… */
  url: string;
  from: string;
  timeoutMs?: number;
}

/**
 * Email over SMTP (nodemailer). 4xx replies and connection problems are worth retrying; a 5xx
 * reply (unknown mailbox, refused sender) is final.
 */
export class SmtpProvider implements MessageProvider {
  readonly name = 'smtp';
  readonly channel = 'email' as const;
  readonly #transport: Transporter;
  constructor(private readonly o: SmtpOptions) {
    const t = o.timeoutMs ?? 10_000;
    const u = new URL(o.url);
    const secure = u.protocol === 'smtps:';
    this.#transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port) || (secure ? 465 : 587),
      secure,
      ...(u.username
        ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
        : {}),
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
    });
  }

  async send(msg: OutgoingMessage) {
    try {
      const info = await this.#transport.sendMail({
        from: this.o.from,
        to: msg.to,
        subject: msg.subject ?? '',
        text: msg.body,
      });
      return { ref: info.messageId };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      throw new DeliveryError(`SMTP: ${(err as Error).message}`, code === undefined || code < 500);
    }
  }

  close() {
    this.#transport.close();
  }
}
