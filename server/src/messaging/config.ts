import type { Logger } from 'pino';
import { z } from 'zod';
import { HttpSmsProvider } from './providers/http-sms.js';
import { LogProvider } from './providers/log.js';
import type { MessageProvider } from './providers/provider.js';
import { SmtpProvider } from './providers/smtp.js';

const Env = z.object({
  SMS_GATEWAY_URL: z.url().optional(),
  SMS_GATEWAY_BODY: z.string().min(1).default('{"to":"{{to}}","text":"{{text}}"}'),
  SMS_GATEWAY_CONTENT_TYPE: z.string().default('application/json'),
  /** `Header: value` pairs separated by newlines, e.g. an API key header. */
  SMS_GATEWAY_HEADERS: z.string().optional(),
  SMS_GATEWAY_LOCAL_NUMBERS: z.enum(['true', 'false']).default('false'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'smtp://user:pass@host:587 or smtps://…')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Bashgah <no-reply@localhost>'),
});

/**
 * Message providers from the environment: an HTTP SMS gateway when SMS_GATEWAY_URL is set, else
 * the log; email over SMTP when SMTP_URL is set, else the log.
 */
export function messageProvidersFromEnv(
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Partial<Record<'sms' | 'email', MessageProvider>> {
  const e = Env.parse(env);
  const headers = Object.fromEntries(
    (e.SMS_GATEWAY_HEADERS ?? '')
      .split('\n')
      .map((l) => l.split(/:\s*/, 2))
      .filter((p): p is [string, string] => p.length === 2 && p[0]!.trim() !== ''),
  );
  const sms = e.SMS_GATEWAY_URL
    ? new HttpSmsProvider({
        url: e.SMS_GATEWAY_URL,
        bodyTemplate: e.SMS_GATEWAY_BODY,
        contentType: e.SMS_GATEWAY_CONTENT_TYPE,
        headers,
        localNumbers: e.SMS_GATEWAY_LOCAL_NUMBERS === 'true',
      })
    : new LogProvider(logger, 'sms');
  const email = e.SMTP_URL
    ? new SmtpProvider({ url: e.SMTP_URL, from: e.SMTP_FROM })
    : new LogProvider(logger, 'email');
  return { sms, email };
}
