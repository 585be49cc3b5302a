import { DeliveryError, type MessageProvider, type OutgoingMessage } from './provider.js';

export interface HttpSmsOptions {
  url: string;
  /**
   * Request body with {{to}} and {{text}} placeholders, filled JSON-escaped (without quotes), e.g.
   * `{"receptor":"{{to}}","message":"{{text}}"}`. Most Iranian gateways take a body like this.
   */
  bodyTemplate: string;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Local form (09…) instead of E.164, for gateways that want it. */
  localNumbers?: boolean;
}

const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1);

/**
 * An SMS gateway reached over HTTP. 2xx is delivered; 429, 5xx, timeouts and network errors are
 * worth retrying; any other 4xx means the request itself is wrong and is not retried.
 */
export class HttpSmsProvider implements MessageProvider {
  readonly name = 'http-sms';
  readonly channel = 'sms' as const;
  constructor(private readonly o: HttpSmsOptions) {
    new URL(o.url);
    if (!o.bodyTemplate.includes('{{text}}'))
      throw new Error('SMS gateway body template must contain {{text}}');
  }

  async send(msg: OutgoingMessage) {
    const to = this.o.localNumbers && msg.to.startsWith('+98') ? `0${msg.to.slice(3)}` : msg.to;
    const body = this.o.bodyTemplate
      .replaceAll('{{to}}', jsonInner(to))
      .replaceAll('{{text}}', jsonInner(msg.body));
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': this.o.contentType ?? 'application/json', ...this.o.headers },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new DeliveryError(`SMS gateway unreachable: ${(err as Error).message}`, true);
    }
    const text = (await res.text().catch(() => '')).slice(0, 200);
    if (res.ok) return { ref: text || undefined };
    throw new DeliveryError(
      `SMS gateway answered ${res.status}: ${text}`,
      res.status === 429 || res.status >= 500,
    );
  }
}
