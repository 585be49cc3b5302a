import { z } from 'zod';
import { ULID_PATTERN } from './ids.js';
import { DEVICE_ID_PATTERN } from './topics.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Fleet operations: commands from the server to one device and their results (over `.../cmd` and
 * `.../cmd/result`, matched by a transaction id, like Zigbee2MQTT's bridge request/response), the
 * settings and catalog a server pushes, and the enrolment exchange of a new kiosk.
 */

const Version = z.literal(PROTOCOL_VERSION);
const TransactionId = z.string().regex(ULID_PATTERN, 'command id must be a ULID');

/** Settings the server may push to a kiosk; every field optional, absent means "keep yours". */
export const DeviceSettings = z
  .object({
    /** Shown on the out-of-service screen while maintenance is on. */
    maintenanceMessage: z
      .object({ fa: z.string().max(200), en: z.string().max(200) })
      .partial()
      .optional(),
    sessionIdleMs: z.number().int().min(1000).max(3_600_000).optional(),
    /** Offline redemption policy: most points a card may spend per day while the link is down. */
    offlineDailyPointsCap: z.number().int().nonnegative().optional(),
    telemetryIntervalMs: z.number().int().min(1000).max(3_600_000).optional(),
  })
  .strict();
export type DeviceSettings = z.infer<typeof DeviceSettings>;

export const CatalogItem = z
  .object({
    id: z.string().min(1).max(64),
    name: z.object({ fa: z.string().min(1).max(120), en: z.string().min(1).max(120) }),
    pointsCost: z.number().int().nonnegative(),
    available: z.boolean(),
  })
  .strict();
export type CatalogItem = z.infer<typeof CatalogItem>;

/** The rewards catalog a kiosk shows, replaced as a whole on each push. */
export const DeviceCatalog = z
  .object({
    version: z.string().min(1).max(64),
    items: z.array(CatalogItem).max(500),
  })
  .strict();
export type DeviceCatalog = z.infer<typeof DeviceCatalog>;

/** Each command and its parameters. */
export const CommandParams = {
  'test-print': z.object({}).strict(),
  'restart-agent': z.object({}).strict(),
  'reload-ui': z.object({}).strict(),
  maintenance: z.object({ enabled: z.boolean() }).strict(),
  'push-config': z.object({ settings: DeviceSettings }).strict(),
  'push-catalog': z.object({ catalog: DeviceCatalog }).strict(),
  'sync-now': z.object({}).strict(),
  'fetch-logs': z.object({ lines: z.number().int().min(1).max(500).default(100) }).strict(),
} as const;
export type CommandName = keyof typeof CommandParams;
export const COMMAND_NAMES = Object.keys(CommandParams) as [CommandName, ...CommandName[]];
export const CommandName = z.enum(COMMAND_NAMES);

const commandOf = <C extends CommandName>(command: C) =>
  z
    .object({
      v: Version,
      /** Transaction id: the result carries the same id. */
      id: TransactionId,
      command: z.literal(command),
      params: CommandParams[command],
      issuedAt: z.iso.datetime(),
      /** A device that receives the command after this (it was queued while offline) refuses it. */
      expiresAt: z.iso.datetime(),
    })
    .strict();

/** Server → device on `.../cmd`, QoS 1, never retained. */
export const CommandRequest = z.discriminatedUnion('command', [
  commandOf('test-print'),
  commandOf('restart-agent'),
  commandOf('reload-ui'),
  commandOf('maintenance'),
  commandOf('push-config'),
  commandOf('push-catalog'),
  commandOf('sync-now'),
  commandOf('fetch-logs'),
]);
export type CommandRequest = z.infer<typeof CommandRequest>;
export type CommandRequestOf<C extends CommandName> = Extract<CommandRequest, { command: C }>;

export const CommandStatus = z.enum(['ok', 'error', 'expired', 'unsupported']);
export type CommandStatus = z.infer<typeof CommandStatus>;

/** Device → server on `.../cmd/result`, QoS 1. `result` is small, command-specific JSON. */
export const CommandResult = z
  .object({
    v: Version,
    id: TransactionId,
    command: CommandName,
    status: CommandStatus,
    at: z.iso.datetime(),
    result: z.record(z.string(), z.unknown()).optional(),
    error: z.object({ code: z.string().max(60), message: z.string().max(500) }).optional(),
  })
  .strict();
export type CommandResult = z.infer<typeof CommandResult>;

/** Recent log lines (`fetch-logs`), capped so one result stays well under the payload limit. */
export const LogLinesResult = z.object({ lines: z.array(z.string().max(400)).max(500) });

// --- enrolment (HTTP, agent → server, once per kiosk) ---

/** An enrolment code: 4 groups of 4 from an alphabet without look-alike characters. */
export const ENROLMENT_CODE_PATTERN =
  /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}(-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}){3}$/;
export const EnrolmentCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(ENROLMENT_CODE_PATTERN, 'enrolment code looks like ABCD-EFGH-JKLM-NPQR');

/** `POST /api/enrol` body. */
export const EnrolRequest = z
  .object({
    code: EnrolmentCode,
    agentVersion: z.string().max(40).optional(),
    hostname: z.string().max(120).optional(),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequest>;

/** What an enrolled kiosk needs to connect: written by the agent's `enrol` command, mode 0600. */
export const EnrolResponse = z
  .object({
    deviceId: z.string().regex(DEVICE_ID_PATTERN),
    mqtt: z.object({
      url: z.string().min(1),
      username: z.string().min(1),
      password: z.string().min(16),
      /** PEM of the CA to trust for mqtts://, when the server uses a private CA. */
      caPem: z.string().optional(),
    }),
    settings: DeviceSettings,
  })
  .strict();
export type EnrolResponse = z.infer<typeof EnrolResponse>;
