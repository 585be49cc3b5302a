import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Retained on `.../status`. The agent sets the offline form as its MQTT last will, so the broker
 * publishes it when the link dies, and republishes online on every (re)connect.
 */
export const DeviceStatus = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    state: z.enum(['online', 'offline']),
    at: z.iso.datetime(),
    agentVersion: z.string().max(40).optional(),
  })
  .strict();
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export const ReaderState = z.enum(['ready', 'no-reader', 'unavailable', 'simulated']);
export type ReaderState = z.infer<typeof ReaderState>;

export const PrinterState = z.enum(['ready', 'paper-out', 'cover-open', 'offline', 'none']);
export type PrinterState = z.infer<typeof PrinterState>;

/** Published every 15 s on `.../telemetry` (not retained: a stale reading misleads). */
export const Telemetry = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    at: z.iso.datetime(),
    uptimeSec: z.number().nonnegative(),
    agentVersion: z.string().max(40),
    reader: ReaderState,
    printer: PrinterState,
    outboxDepth: z.number().int().nonnegative(),
    oldestOutboxAgeSec: z.number().nonnegative().nullable(),
    lastTapAt: z.iso.datetime().nullable(),
    memoryRssBytes: z.number().int().nonnegative(),
    load1: z.number().nonnegative(),
    /** Host health, where the platform can tell (absent on machines without the sensor/API). */
    cpuTempC: z.number().min(-50).max(150).nullable().optional(),
    memTotalBytes: z.number().int().nonnegative().optional(),
    memFreeBytes: z.number().int().nonnegative().optional(),
    diskTotalBytes: z.number().int().nonnegative().optional(),
    diskFreeBytes: z.number().int().nonnegative().optional(),
    protocolVersion: z.number().int().optional(),
    /** True while an operator has put the kiosk out of service. */
    maintenance: z.boolean().optional(),
  })
  .strict();
export type Telemetry = z.infer<typeof Telemetry>;
