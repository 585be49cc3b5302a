import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVICE_ID_PATTERN } from '@bashgah/protocol';
import { z } from 'zod';

/** Raised for a bad environment; the message names the variable and what to set instead. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Resolved from this file (src/ or dist/ alike) so the agent finds the UI whatever its cwd is.
const DEFAULT_KIOSK_UI_DIR = fileURLToPath(new URL('../../kiosk-ui/dist', import.meta.url));

const STAFF_ENTRY =
  '[0-9A-Fa-f]{8,20}:[a-z0-9][a-z0-9-]{0,31}:scrypt\\.[A-Za-z0-9_-]{16,64}\\.[A-Za-z0-9_-]{40,64}';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const EnvSchema = z.object({
  DEVICE_ID: z
    .string()
    .regex(DEVICE_ID_PATTERN, "use 2-63 lowercase letters, digits or '-', e.g. kiosk-01")
    .default('kiosk-dev'),
  MQTT_URL: z
    .url()
    .refine((u) => /^(mqtts?|wss?|tcp|ssl):\/\//.test(u), 'use mqtt://, mqtts://, ws:// or wss://')
    .default('mqtt://127.0.0.1:1884'),
  MQTT_USERNAME: z.string().min(1).optional(),
  MQTT_PASSWORD: z.string().min(1).optional(),
  /** PEM CA for mqtts:// when the server uses a private CA (written by `enrol`). */
  MQTT_CA_FILE: z.string().min(1).optional(),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(8080, 0, 65535),
  ALLOW_REMOTE_API: bool,
  DATA_DIR: z.string().min(1).default('./data/agent'),
  READER: z.enum(['pcsc', 'sim']).default('pcsc'),
  SIMULATOR: bool,
  KIOSK_UI_DIR: z.string().min(1).default(DEFAULT_KIOSK_UI_DIR),
  RPC_TIMEOUT_MS: int(1500, 50, 60_000),
  SESSION_IDLE_MS: int(60_000, 1_000, 3_600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** none | tcp://host:port | usblp:/dev/usb/lp0 | usb:VID:PID (hex, e.g. usb:0416:5011) | usb */
  PRINTER: z
    .string()
    .regex(
      /^(none|tcp:\/\/[^\s:/]+(:\d{1,5})?|usblp:\/\S+|usb(:[0-9a-fA-F]{4}:[0-9a-fA-F]{4})?)$/,
      'use none, tcp://host:port, usblp:/dev/usb/lp0, usb or usb:VID:PID (hex)',
    )
    .default('none'),
  PAPER: z.enum(['58', '80']).default('80'),
  /** Printed at the top of every slip. */
  STORE_NAME: z.string().min(1).max(60).default('باشگاه مشتریان'),
  /** The store's IANA zone, for dates on slips (the Pi's clock may run in UTC). */
  TIME_ZONE: z.string().min(1).default('Asia/Tehran'),
  /** Record the daily visit on the tap itself (the product's behaviour); false: only on POST /api/checkin. */
  AUTO_CHECKIN: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default('true')
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /** Vouchers one card may claim at this kiosk per day (also bounds offline claims). */
  CLAIMS_PER_CARD_PER_DAY: int(3, 1, 100),
  /**
   * Staff cards: `UID:name:PINHASH,...`, each entry made by `bashgah-agent staff-pin UID name` (the
   * PIN is stored hashed, never in clear). Empty: no staff mode.
   */
  STAFF_CARDS: z
    .string()
    .regex(
      new RegExp(`^(${STAFF_ENTRY})(,${STAFF_ENTRY})*$`),
      'use UID:name:scrypt.… entries made by `bashgah-agent staff-pin UID name` (PIN on stdin), comma-separated',
    )
    .optional(),
  /** Staff mode closes by itself after this long without a staff action. */
  STAFF_IDLE_MS: int(45_000, 5_000, 600_000),
});

export type PrinterConfig =
  | { kind: 'none' }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'usblp'; path: string }
  | { kind: 'usb'; vendorId?: number; productId?: number };

export function parsePrinter(value: string): PrinterConfig {
  if (value === 'none') return { kind: 'none' };
  if (value.startsWith('tcp://')) {
    const [host = '', port] = value.slice(6).split(':');
    return { kind: 'tcp', host, port: port ? Number(port) : 9100 };
  }
  if (value.startsWith('usblp:')) return { kind: 'usblp', path: value.slice(6) };
  const [, vid, pid] = value.split(':');
  return vid && pid
    ? { kind: 'usb', vendorId: Number.parseInt(vid, 16), productId: Number.parseInt(pid, 16) }
    : { kind: 'usb' };
}

export interface AgentConfig {
  deviceId: string;
  mqtt: { url: string; username?: string; password?: string; caFile?: string };
  api: { host: string; port: number };
  dataDir: string;
  reader: 'pcsc' | 'sim';
  simulator: boolean;
  kioskUiDir: string;
  rpcTimeoutMs: number;
  sessionIdleMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  printer: PrinterConfig;
  paperMm: 58 | 80;
  storeName: string;
  timeZone: string;
  claimsPerCardPerDay: number;
  autoCheckin: boolean;
  /** Staff card UID (upper-case hex) → staff name and scrypt PIN hash. */
  staffCards: Map<string, { staffId: string; pinHash: string }>;
  staffIdleMs: number;
}

/**
 * Reads the agent's settings from the environment. Empty strings count as unset, so a blank line
 * in a systemd EnvironmentFile falls back to the default instead of failing validation.
 */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key]?.trim();
    if (value) raw[key] = value;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const got = raw[name] === undefined ? '' : ` (got "${raw[name]}")`;
      return `${name}${got}: ${issue.message}`;
    });
    throw new ConfigError(`invalid agent configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;

  // The local API drives member actions without authentication; it is meant for the kiosk's own
  // browser only, so exposing it on the network must be a deliberate choice.
  if (!LOOPBACK_HOSTS.has(e.API_HOST) && !e.ALLOW_REMOTE_API) {
    throw new ConfigError(
      `API_HOST "${e.API_HOST}" is not a loopback address: the local API has no authentication. ` +
        'Use 127.0.0.1, or set ALLOW_REMOTE_API=true if you really mean to expose it.',
    );
  }
  if ((e.MQTT_USERNAME === undefined) !== (e.MQTT_PASSWORD === undefined)) {
    throw new ConfigError('MQTT_USERNAME and MQTT_PASSWORD must be set together (or neither).');
  }

  const abs = (p: string) => (isAbsolute(p) ? p : resolve(p));
  return {
    deviceId: e.DEVICE_ID,
    mqtt: {
      url: e.MQTT_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      ...(e.MQTT_CA_FILE ? { caFile: abs(e.MQTT_CA_FILE) } : {}),
    },
    api: { host: e.API_HOST, port: e.API_PORT },
    dataDir: abs(e.DATA_DIR),
    reader: e.READER,
    simulator: e.SIMULATOR,
    kioskUiDir: abs(e.KIOSK_UI_DIR),
    rpcTimeoutMs: e.RPC_TIMEOUT_MS,
    sessionIdleMs: e.SESSION_IDLE_MS,
    logLevel: e.LOG_LEVEL,
    printer: parsePrinter(e.PRINTER),
    paperMm: e.PAPER === '58' ? 58 : 80,
    storeName: e.STORE_NAME,
    timeZone: e.TIME_ZONE,
    claimsPerCardPerDay: e.CLAIMS_PER_CARD_PER_DAY,
    autoCheckin: e.AUTO_CHECKIN,
    staffCards: new Map(
      (e.STAFF_CARDS ?? '')
        .split(',')
        .filter(Boolean)
        .map((entry) => {
          const [uid = '', staffId = '', pinHash = ''] = entry.split(':');
          return [uid.toUpperCase(), { staffId, pinHash }] as const;
        }),
    ),
    staffIdleMs: e.STAFF_IDLE_MS,
  };
}
