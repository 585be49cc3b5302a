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
});

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
  };
}
