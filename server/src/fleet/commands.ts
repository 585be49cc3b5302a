import {
  type CommandName,
  CommandRequest,
  CommandResult,
  decodeMessage,
  newId,
  PROTOCOL_VERSION,
  topics,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { Queryable } from '../db/sqlite.js';
import { HttpError } from '../http/errors.js';
import type { Publish } from '../mqtt/client.js';
import type { FleetHub } from './hub.js';
import { getDevice } from './store.js';

export type CommandState = 'pending' | 'ok' | 'error' | 'expired' | 'unsupported';

/** One audited command: who sent what to which device, when, and what came back. */
export interface CommandView {
  id: string;
  deviceId: string;
  command: CommandName;
  params: Record<string, unknown>;
  issuedBy: string;
  issuedAt: string;
  expiresAt: string;
  status: CommandState;
  result: Record<string, unknown> | null;
  completedAt: string | null;
}

interface CommandRow {
  id: string;
  device_id: string;
  command: CommandName;
  params: string;
  issued_by: string;
  issued_at: string;
  expires_at: string;
  status: CommandState;
  result: string | null;
  completed_at: string | null;
}

function toView(r: CommandRow): CommandView {
  return {
    id: r.id,
    deviceId: r.device_id,
    command: r.command,
    params: JSON.parse(r.params) as Record<string, unknown>,
    issuedBy: r.issued_by,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    status: r.status,
    result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
    completedAt: r.completed_at,
  };
}

export interface CommandDeps {
  db: Queryable;
  publish: Publish;
  hub: FleetHub;
  logger: Logger;
  defaultTtlSec: number;
  now?: () => Date;
}

/**
 * Commands go out on the device's `cmd` topic at QoS 1 (so a persistent session holds them while a
 * kiosk is briefly offline) and come back on `cmd/result` with the same transaction id. A command
 * with no result by its expiry is marked expired; the device itself refuses one that arrives late.
 */
export function createCommands(deps: CommandDeps) {
  const log = deps.logger.child({ component: 'commands' });
  const now = deps.now ?? (() => new Date());
  const waiters = new Map<string, Set<(v: CommandView) => void>>();

  async function load(id: string): Promise<CommandView | undefined> {
    const row = await deps.db.get<CommandRow>('SELECT * FROM device_commands WHERE id = ?', [id]);
    return row && toView(row);
  }

  function settled(view: CommandView) {
    deps.hub.emit('command', view);
    for (const w of waiters.get(view.id) ?? []) w(view);
    waiters.delete(view.id);
  }

  return {
    async send(
      deviceId: string,
      input: { command: string; params?: unknown; ttlSec?: number | undefined },
      by: string,
    ): Promise<CommandView> {
      const device = await getDevice(deps.db, deviceId);
      if (!device) throw new HttpError(404, 'device-not-found', `no device ${deviceId}`);
      if (device.revoked_at) throw new HttpError(409, 'device-revoked', `device ${deviceId} is revoked`);
      const at = now();
      const ttl = input.ttlSec ?? deps.defaultTtlSec;
      const parsed = CommandRequest.safeParse({
        v: PROTOCOL_VERSION,
        id: newId(),
        command: input.command,
        params: input.params ?? {},
        issuedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + ttl * 1000).toISOString(),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HttpError(
          400,
          'invalid-command',
          `invalid command: ${issue?.path.join('.') || '(command)'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const req = parsed.data;
      await deps.db.run(
        `INSERT INTO device_commands (id, device_id, command, params, issued_by, issued_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [req.id, deviceId, req.command, JSON.stringify(req.params), by, req.issuedAt, req.expiresAt],
      );
      log.info({ deviceId, command: req.command, id: req.id, by }, 'command sent');
      const view = (await load(req.id))!;
      deps.hub.emit('command', view);
      try {
        await deps.publish(topics.command(deviceId), req);
      } catch (err) {
        log.warn({ err, id: req.id }, 'command not published; it will expire');
      }
      return view;
    },

    /** Resolves with the command once it has a final state, or as it is after `ms`. */
    async wait(id: string, ms: number): Promise<CommandView | undefined> {
      const current = await load(id);
      if (current?.status !== 'pending' || ms <= 0) return current;
      return new Promise((resolve) => {
        const mine = waiters.get(id) ?? new Set<(v: CommandView) => void>();
        waiters.set(id, mine);
        const timer = setTimeout(() => {
          mine.delete(done);
          void load(id).then(resolve);
        }, ms);
        const done = (v: CommandView) => {
          clearTimeout(timer);
          resolve(v);
        };
        mine.add(done);
      });
    },

    async onResult(deviceId: string, topic: string, payload: Buffer): Promise<void> {
      const decoded = decodeMessage(CommandResult, payload);
      if (!decoded.ok) {
        log.warn({ topic, deviceId, reason: decoded.error }, 'dropped malformed command result');
        return;
      }
      const r = decoded.value;
      const body = { ...(r.result ?? {}), ...(r.error ? { error: r.error } : {}) };
      // Only the device the command went to may answer it, and only once.
      const changed = await deps.db.run(
        `UPDATE device_commands SET status = ?, result = ?, completed_at = ?
         WHERE id = ? AND device_id = ? AND status = 'pending'`,
        [r.status, JSON.stringify(body), now().toISOString(), r.id, deviceId],
      );
      if (changed.changes === 0) {
        log.warn(
          { deviceId, id: r.id, status: r.status },
          'command result for no pending command of this device',
        );
        return;
      }
      log.info({ deviceId, id: r.id, command: r.command, status: r.status }, 'command result');
      settled((await load(r.id))!);
    },

    /** Marks commands that got no result in time as expired. Returns how many. */
    async expire(): Promise<number> {
      const at = now().toISOString();
      const due = await deps.db.all<CommandRow>(
        "SELECT * FROM device_commands WHERE status = 'pending' AND expires_at <= ?",
        [at],
      );
      for (const row of due) {
        const r = await deps.db.run(
          `UPDATE device_commands SET status = 'expired', completed_at = ?,
             result = json_object('error', json_object('code', 'expired', 'message', 'no result before the command expired'))
           WHERE id = ? AND status = 'pending'`,
          [at, row.id],
        );
        if (r.changes > 0) settled((await load(row.id))!);
      }
      return due.length;
    },

    async list(deviceId: string, limit = 50): Promise<CommandView[]> {
      const rows = await deps.db.all<CommandRow>(
        'SELECT * FROM device_commands WHERE device_id = ? ORDER BY issued_at DESC, id DESC LIMIT ?',
        [deviceId, limit],
      );
      return rows.map(toView);
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
