import { Ack, decodeMessage, EventEnvelope, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { findProcessedEvent, recordProcessedEvent } from '../db/repos/events.js';
import type { Queryable } from '../db/sqlite.js';
import { applyCheckin, type CheckinPolicy } from '../engine/checkin.js';
import { applyRewardClaim, applySurveyAnswer } from '../engine/kiosk-events.js';
import { applyStaffCard, applyStaffPurchase } from '../engine/kiosk-staff.js';
import type { EventOutcome } from '../engine/outcome.js';
import type { Publish } from './client.js';

export interface IngressDeps {
  db: Queryable;
  publish: Publish;
  policy: CheckinPolicy;
  logger: Logger;
  now?: () => Date;
  /** Most events applied in one transaction (default 128). */
  maxBatch?: number;
}

/** Counters for tests and the fleet benchmark: how events are being batched. */
export interface IngressStats {
  batches: number;
  events: number;
  /** Batches that hit an unexpected error and were re-run one event at a time. */
  fallbacks: number;
}

export type IngressHandler = ((deviceId: string, topic: string, payload: Buffer) => Promise<void>) & {
  stats: IngressStats;
};

const MAX_REASON = 500;

/**
 * Bounds how long one batch holds the database: RPCs (member lookups at the kiosk) queue behind
 * it. 128 check-ins take some tens of milliseconds on a Raspberry Pi class machine.
 */
const DEFAULT_MAX_BATCH = 128;

interface Pending {
  event: EventEnvelope;
  done: () => void;
}

/** A processed_events row as the batch needs it: enough to answer a replay. */
interface Prior {
  deviceId: string;
  status: 'applied' | 'rejected';
  result: Record<string, unknown>;
}

interface Decision {
  pending: Pending;
  ack: Ack;
  /** Set when this event was applied (or refused) now and its processed_events row is still to be written. */
  record?: { status: 'applied' | 'rejected'; result: Record<string, unknown>; processedAt: string };
}

/**
 * Handles `club/v1/devices/{id}/events`. Each event is applied exactly once: its effects and its
 * processed_events row are committed in the same transaction, so a crash either keeps both or
 * neither, and a redelivery finds the row and is only acked again. Acks are published only after
 * the commit. An event that fails for an unexpected reason (database error) is not acked, so the
 * device's outbox sends it again later. The returned handler never rejects.
 *
 * Group commit: events that arrive while a batch is being applied wait and are applied together
 * in the next one: one lookup of the batch's ids in processed_events, each event's effects, one
 * insert of all their processed_events rows, one COMMIT. With `sqlite3` every statement is a trip
 * through the thread pool (~30 µs here), so statements per event, not fsyncs, are what limits
 * ingest. If any event of a batch throws, the whole batch is rolled back (an engine function's
 * partial effects cannot be trusted) and re-run one event per transaction, so only the failing
 * event goes unacked.
 */
export function createIngress(deps: IngressDeps): IngressHandler {
  const log = deps.logger.child({ component: 'ingress' });
  const now = deps.now ?? (() => new Date());
  const maxBatch = Math.max(1, deps.maxBatch ?? DEFAULT_MAX_BATCH);
  const { db } = deps;
  const queue: Pending[] = [];
  const stats: IngressStats = { batches: 0, events: 0, fallbacks: 0 };
  let draining = false;

  const onEvent = (deviceId: string, topic: string, payload: Buffer): Promise<void> => {
    const decoded = decodeMessage(EventEnvelope, payload);
    if (!decoded.ok) {
      log.warn(
        { topic, deviceId, bytes: payload.byteLength, reason: decoded.error },
        'dropped malformed event',
      );
      return Promise.resolve();
    }
    const event = decoded.value;
    if (event.deviceId !== deviceId) {
      // Could be a bug or one device speaking for another; acking it on either device's topic
      // would make some outbox forget an event that was never applied.
      log.warn(
        {
          topic,
          deviceId,
          envelopeDeviceId: event.deviceId,
          eventId: event.id,
          reason: 'device id mismatch',
        },
        'dropped event whose deviceId does not match its topic',
      );
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      queue.push({ event, done });
      if (!draining) {
        draining = true;
        // One turn of the event loop lets the rest of a socket read (often many events) join.
        setImmediate(() => void drain());
      }
    });
  };

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        stats.batches++;
        stats.events += batch.length;
        let decisions: Decision[] = [];
        try {
          try {
            decisions = await db.transaction(() => applyBatch(batch));
          } catch (err) {
            stats.fallbacks++;
            log.warn(
              { err, events: batch.length },
              'batch of events rolled back; applying them one at a time to isolate the failure',
            );
            decisions = await applyOneByOne(batch);
          }
        } finally {
          // The next batch does not wait for these PUBACKs: the database would sit idle meanwhile.
          // Each event's handler settles once its ack is out (shutdown waits for that); events
          // without a decision (failed one by one) settle unacked, and their devices resend them.
          const byEvent = new Map(decisions.map((d) => [d.pending, sendAck(d)]));
          for (const p of batch) void (byEvent.get(p) ?? Promise.resolve()).then(p.done);
        }
      }
    } finally {
      // Even after a bug above, the next event starts a new drain instead of waiting forever.
      draining = false;
    }
  }

  async function applyBatch(batch: Pending[]): Promise<Decision[]> {
    const ids = [...new Set(batch.map((p) => p.event.id))];
    const rows = await db.all<{
      event_id: string;
      device_id: string;
      status: Prior['status'];
      result: string;
    }>(
      `SELECT event_id, device_id, status, result FROM processed_events
       WHERE event_id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(ids)],
    );
    // Earlier events of this batch count as processed for the later ones (a redelivery that
    // arrived while the first copy was still queued).
    const known = new Map<string, Prior>(
      rows.map((r) => [
        r.event_id,
        { deviceId: r.device_id, status: r.status, result: JSON.parse(r.result) as Record<string, unknown> },
      ]),
    );
    const decisions: Decision[] = [];
    for (const pending of batch) {
      const { event } = pending;
      const prior = known.get(event.id);
      if (prior) {
        decisions.push({ pending, ack: replayAck(event, prior) });
        continue;
      }
      const outcome = await apply(event);
      const record = {
        status: outcome.status,
        result: outcomeResult(outcome),
        processedAt: now().toISOString(),
      };
      known.set(event.id, { deviceId: event.deviceId, status: record.status, result: record.result });
      decisions.push({ pending, ack: ack(event.id, outcome), record });
    }
    const toRecord = decisions.filter((d) => d.record);
    if (toRecord.length > 0) {
      await db.run(
        `INSERT INTO processed_events (event_id, device_id, type, status, processed_at, result)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?)`,
        [
          JSON.stringify(
            toRecord.map(({ pending: { event }, record }) => [
              event.id,
              event.deviceId,
              event.type,
              record!.status,
              record!.processedAt,
              JSON.stringify(record!.result),
            ]),
          ),
        ],
      );
    }
    return decisions;
  }

  /** The slow path after a failed batch: each event in its own transaction, as before batching. */
  async function applyOneByOne(batch: Pending[]): Promise<Decision[]> {
    const decisions: Decision[] = [];
    for (const pending of batch) {
      const { event } = pending;
      try {
        decisions.push({ pending, ack: await processOne(event) });
      } catch (err) {
        log.error(
          { err, eventId: event.id, deviceId: event.deviceId, type: event.type },
          'event not applied; the device will resend it',
        );
      }
    }
    return decisions;
  }

  function processOne(event: EventEnvelope): Promise<Ack> {
    return db.transaction(async () => {
      const prior = await findProcessedEvent(db, event.id);
      if (prior) return replayAck(event, prior);
      const outcome = await apply(event);
      await recordProcessedEvent(db, {
        eventId: event.id,
        deviceId: event.deviceId,
        type: event.type,
        status: outcome.status,
        processedAt: now().toISOString(),
        result: outcomeResult(outcome),
      });
      return ack(event.id, outcome);
    });
  }

  async function sendAck({ pending: { event }, ack: a }: Decision): Promise<void> {
    log.info(
      { eventId: event.id, deviceId: event.deviceId, type: event.type, status: a.status, reason: a.reason },
      'event acked',
    );
    try {
      await deps.publish(topics.acks(event.deviceId), a);
    } catch (err) {
      // The event is recorded; the device's resend will be acked as a duplicate.
      log.warn({ err, eventId: event.id, deviceId: event.deviceId }, 'could not publish ack');
    }
  }

  function apply(event: EventEnvelope): Promise<EventOutcome> {
    switch (event.type) {
      case 'checkin':
        return applyCheckin(
          db,
          {
            eventId: event.id,
            deviceId: event.deviceId,
            memberId: event.payload.memberId,
            cardUid: event.payload.cardUid,
            at: event.at,
          },
          deps.policy,
          now(),
        );
      case 'reward.claim':
        return applyRewardClaim(
          db,
          { eventId: event.id, deviceId: event.deviceId, ...event.payload },
          now(),
          deps.policy.timeZone,
        );
      case 'survey.answer':
        return applySurveyAnswer(
          db,
          { eventId: event.id, deviceId: event.deviceId, ...event.payload },
          now(),
        );
      case 'staff.purchase':
        return applyStaffPurchase(
          db,
          { eventId: event.id, deviceId: event.deviceId, ...event.payload },
          now(),
          deps.policy.timeZone,
        );
      case 'staff.card':
        return applyStaffCard(db, { eventId: event.id, deviceId: event.deviceId, ...event.payload }, now());
      default: {
        // A new event type in protocol/ fails to compile here until the server handles it.
        const unknownEvent: never = event;
        throw new Error(`no handler for event type ${String((unknownEvent as EventEnvelope).type)}`);
      }
    }
  }

  return Object.assign(onEvent, { stats });
}

/** The answer to an event id seen before: the original result, or a refusal if another device used the id. */
function replayAck(event: EventEnvelope, prior: Prior): Ack {
  if (prior.deviceId !== event.deviceId) {
    return ack(event.id, {
      status: 'rejected',
      reason: `event id ${event.id} was already used by another device`,
    });
  }
  return prior.status === 'applied'
    ? Ack.parse({ v: PROTOCOL_VERSION, eventId: event.id, status: 'duplicate', result: prior.result })
    : ack(event.id, {
        status: 'rejected',
        reason: String(prior.result.reason ?? 'rejected earlier'),
        code: typeof prior.result.code === 'string' ? prior.result.code : undefined,
      });
}

function outcomeResult(outcome: EventOutcome): Record<string, unknown> {
  return outcome.status === 'applied'
    ? outcome.result
    : { reason: outcome.reason, ...(outcome.code ? { code: outcome.code } : {}) };
}

function ack(eventId: string, outcome: EventOutcome): Ack {
  return Ack.parse(
    outcome.status === 'applied'
      ? { v: PROTOCOL_VERSION, eventId, status: 'applied', result: outcome.result }
      : {
          v: PROTOCOL_VERSION,
          eventId,
          status: 'rejected',
          reason: outcome.reason.slice(0, MAX_REASON),
          ...(outcome.code ? { code: outcome.code } : {}),
        },
  );
}
