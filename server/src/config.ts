import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type CardSecurityConfig, cardSecurityFromEnv } from './cards/config.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServerConfig {
  http: { host: string; port: number };
  mqtt: {
    /** Where the embedded Aedes broker listens; ignored when `url` is set. */
    host: string;
    port: number;
    /** An external broker (e.g. Mosquitto). When set, no embedded broker is started. */
    url: string | undefined;
    username: string | undefined;
    password: string | undefined;
    clientId: string;
    /**
     * A persistent session lets the broker hold device events for the server while it restarts.
     * Tests against a shared Mosquitto turn it off so they leave no sessions behind.
     */
    cleanSession: boolean;
    /** Who may connect to the embedded broker: see mqtt/auth.ts. */
    auth: 'devices' | 'open';
    /** PEM files: with both set the embedded broker speaks mqtts:// only. */
    tlsCertFile: string | undefined;
    tlsKeyFile: string | undefined;
    /** CA the server trusts for an external mqtts:// broker; also handed to devices at enrolment. */
    caFile: string | undefined;
    /** The broker URL devices are told at enrolment (their view of the network may differ from ours). */
    deviceUrl: string | undefined;
  };
  fleet: FleetConfig;
  dataDir: string;
  dbPath: string;
  logLevel: (typeof LOG_LEVELS)[number];
  seedDemo: boolean;
  /** Points a visit check-in earns (once per member, device and day). */
  checkinPoints: number;
  /** The club's local time zone: it decides where one "day" of check-ins ends. */
  timeZone: string;
  /** CARD_SECURITY and its keys (cards/config.ts); absent means `uid`, the UID alone. */
  cards?: CardSecurityConfig;
  /** Club event webhooks (fraud alerts): CLUB_WEBHOOK_URLS, all signed with CLUB_WEBHOOK_SECRET. */
  webhooks?: { endpoints: Array<{ url: string; secret: string }> };
  /** Per-IP limit on the open signup routes; trustProxy reads the client from X-Forwarded-For. */
  signupRateLimit?: { limit: number; windowMs: number; trustForwardedFor: boolean };
}

export interface FleetConfig {
  enrolmentTtlMin: number;
  commandTtlSec: number;
  /** Bootstrap: an `admin` operator with this password is created when there are no operators. */
  adminPassword: string | undefined;
  /** Mark the session cookie Secure (set when the console is served over HTTPS). */
  cookieSecure: boolean;
  /** Rewritten on every device change, for an external Mosquitto (see docs/mosquitto.md). */
  mosquitto: { passwordFile: string | undefined; aclFile: string | undefined; pidFile: string | undefined };
  alerts: {
    offlineMin: number;
    backlogMin: number;
    clockDriftSec: number;
    diskFreePct: number;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0-65535')
    .max(65535, 'must be 0-65535')
    .default(fallback);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Each variable's schema plus the hint shown when it is wrong. */
const Env = z.object({
  HTTP_PORT: port(8700),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_PORT: port(1884),
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|tcp|ssl|wss?):\/\/[^\s/]+/, 'must look like mqtt://host:port')
    .optional(),
  MQTT_USERNAME: z.string().min(1).optional(),
  MQTT_PASSWORD: z.string().min(1).optional(),
  MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -')
    .optional(),
  MQTT_AUTH: z.enum(['devices', 'open'], { error: 'must be devices or open' }).optional(),
  MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  MQTT_CA_FILE: z.string().min(1).optional(),
  DEVICE_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\/[^\s/]+/, 'must look like mqtts://broker.example:8883')
    .optional(),
  ENROLMENT_TTL_MIN: z.coerce.number().int().min(1).max(10_080).default(60),
  COMMAND_TTL_SEC: z.coerce.number().int().min(5).max(86_400).default(120),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  COOKIE_SECURE: bool.optional(),
  MOSQUITTO_PASSWORD_FILE: z.string().min(1).optional(),
  MOSQUITTO_ACL_FILE: z.string().min(1).optional(),
  MOSQUITTO_PID_FILE: z.string().min(1).optional(),
  ALERT_OFFLINE_MIN: z.coerce.number().min(0.05).max(10_000).default(5),
  ALERT_BACKLOG_MIN: z.coerce.number().min(0.05).max(10_000).default(10),
  ALERT_CLOCK_DRIFT_SEC: z.coerce.number().min(1).max(86_400).default(120),
  ALERT_DISK_FREE_PCT: z.coerce.number().min(0).max(100).default(10),
  ALERT_WEBHOOK_URL: z.url().optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CLUB_WEBHOOK_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be comma-separated http(s) URLs' })))
    .optional(),
  CLUB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SIGNUP_LIMIT_PER_IP: z.coerce.number().int().min(1).max(100_000).default(10),
  SIGNUP_LIMIT_WINDOW_SEC: z.coerce.number().int().min(1).max(86_400).default(600),
  TRUST_PROXY: bool.optional(),
  DATA_DIR: z.string().min(1).default('./data/server'),
  DB_PATH: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  SEED_DEMO: bool.optional(),
  CHECKIN_POINTS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(100_000, 'must be at most 100000')
    .default(10),
  CLUB_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Tehran')
    .default('Asia/Tehran'),
});

/**
 * Reads the server's settings from environment variables. Empty strings count as unset, so a
 * blank line in an env file falls back to the default rather than failing. Throws a ConfigError
 * that lists every bad variable at once, so one restart fixes them all.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const raw = Object.fromEntries(
    Object.keys(Env.shape).map((k) => [k, env[k] === undefined || env[k] === '' ? undefined : env[k]]),
  );
  const parsed = Env.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(env)');
      return `  ${name}=${JSON.stringify(raw[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid server configuration:\n${lines.join('\n')}\nFix these environment variables (or unset them to use the defaults) and start again.`,
    );
  }
  const e = parsed.data;
  const cards = cardSecurityFromEnv(env);
  if (!cards.ok) {
    throw new ConfigError(
      `Invalid server configuration:\n${cards.errors.join('\n')}\nFix these environment variables and start again.`,
    );
  }
  if ((e.MQTT_USERNAME === undefined) !== (e.MQTT_PASSWORD === undefined)) {
    throw new ConfigError(
      'Invalid server configuration: MQTT_USERNAME and MQTT_PASSWORD must be set together (the service account), or both left unset.',
    );
  }
  if ((e.MQTT_TLS_CERT_FILE === undefined) !== (e.MQTT_TLS_KEY_FILE === undefined)) {
    throw new ConfigError(
      'Invalid server configuration: MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE must be set together (mqtts), or both left unset.',
    );
  }
  if ((e.CLUB_WEBHOOK_URLS?.length ?? 0) > 0 && !e.CLUB_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid server configuration: CLUB_WEBHOOK_URLS needs CLUB_WEBHOOK_SECRET (16+ characters) to sign with; set it or unset the URLs.',
    );
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const production = env.NODE_ENV === 'production';
  return {
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    mqtt: {
      host: e.MQTT_HOST,
      port: e.MQTT_PORT,
      url: e.MQTT_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      clientId:
        e.MQTT_CLIENT_ID ?? `bashgah-server-${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64),
      cleanSession: false,
      // Development keeps the old open broker so a checkout works without enrolling a kiosk first.
      auth: e.MQTT_AUTH ?? (production ? 'devices' : 'open'),
      tlsCertFile: e.MQTT_TLS_CERT_FILE,
      tlsKeyFile: e.MQTT_TLS_KEY_FILE,
      caFile: e.MQTT_CA_FILE,
      deviceUrl: e.DEVICE_MQTT_URL,
    },
    fleet: {
      enrolmentTtlMin: e.ENROLMENT_TTL_MIN,
      commandTtlSec: e.COMMAND_TTL_SEC,
      adminPassword: e.ADMIN_PASSWORD,
      cookieSecure: e.COOKIE_SECURE ?? production,
      mosquitto: {
        passwordFile: e.MOSQUITTO_PASSWORD_FILE,
        aclFile: e.MOSQUITTO_ACL_FILE,
        pidFile: e.MOSQUITTO_PID_FILE,
      },
      alerts: {
        offlineMin: e.ALERT_OFFLINE_MIN,
        backlogMin: e.ALERT_BACKLOG_MIN,
        clockDriftSec: e.ALERT_CLOCK_DRIFT_SEC,
        diskFreePct: e.ALERT_DISK_FREE_PCT,
        webhookUrl: e.ALERT_WEBHOOK_URL,
        webhookSecret: e.ALERT_WEBHOOK_SECRET,
      },
    },
    dataDir,
    dbPath: e.DB_PATH ? path.resolve(e.DB_PATH) : path.join(dataDir, 'bashgah.db'),
    logLevel: e.LOG_LEVEL,
    // Demo members make a fresh dev checkout usable at once; production must opt in explicitly.
    seedDemo: e.SEED_DEMO ?? !production,
    checkinPoints: e.CHECKIN_POINTS,
    timeZone: e.CLUB_TIMEZONE,
    cards: cards.value,
    webhooks: {
      endpoints: (e.CLUB_WEBHOOK_URLS ?? []).map((url) => ({ url, secret: e.CLUB_WEBHOOK_SECRET! })),
    },
    signupRateLimit: {
      limit: e.SIGNUP_LIMIT_PER_IP,
      windowMs: e.SIGNUP_LIMIT_WINDOW_SEC * 1000,
      trustForwardedFor: e.TRUST_PROXY ?? false,
    },
  };
}
