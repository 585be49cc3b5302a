/** One message to one recipient, already rendered. */
export interface OutgoingMessage {
  to: string;
  body: string;
  subject?: string | undefined;
}

/**
 * Where messages go: the log (default), an HTTP SMS gateway, SMTP. A provider throws
 * `DeliveryError` when it could not deliver; `retryable` says whether trying again may help.
 */
export interface MessageProvider {
  readonly name: string;
  readonly channel: 'sms' | 'email';
  send(msg: OutgoingMessage): Promise<{ ref?: string | undefined }>;
}

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
