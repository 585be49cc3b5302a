import { Ack, decodeMessage, EventEnvelope, PROTOCOL_VERSION, topics } from '@bashgah/protocol';
import type { Logger } from 'pino';
import { findProcessedEvent, recordProcessedEvent } from '../db/repos/events.js';
import type { Queryable } from '../db/sqlite.js';
import { applyCheckin, type CheckinPolicy } from '../engine/checkin.js';
import { applyRewardClaim, applySurveyAnswer } from '../engine/kiosk-events.js';
import type { EventOutcome } from '../engine/outcome.js';
import type { Publish } from './client.js';

export interface IngressDeps {
  db: Queryable;
  publish: Publish;
  policy: CheckinPolicy;
  logger: Logger;
  now?: () => Date;
}

const MAX_REASON = 500;

/**
 * Handles `club/v1/devices/{id}/events`. Each event is applied exactly once: the event-id check,
 * the effects and the processed_events row share one transaction, so a crash either keeps all of
 * them or none, and a redelivery finds the row and is only acked again. An event that fails for an
 * unexpected reason (database error) is not acked, so the device's outbox sends it again later.
 * The returned handler never rejects.
 */
export function createIngress(deps: IngressDeps) {
  const log = deps.logger.child({ component: 'ingress' });
  const now = deps.now ?? (() => new Date());

  return async function onEvent(deviceId: string, topic: string, payload: Buffer): Promise<void> {
    const decoded = decodeMessage(EventEnvelope, payload);
    if (!decoded.ok) {
      log.warn(
        { topic, deviceId, bytes: payload.byteLength, reason: decoded.error },
        'dropped malformed event',
      );
      return;
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
      return;
    }

    let ack: Ack;
    try {
      ack = await processEvent(event);
    } catch (err) {
      log.error(
        { err, eventId: event.id, deviceId, type: event.type },
        'event not applied; the device will resend it',
      );
      return;
    }
    log.info(
      { eventId: event.id, deviceId, type: event.type, status: ack.status, reason: ack.reason },
      'event acked',
    );
    try {
      await deps.publish(topics.acks(deviceId), ack);
    } catch (err) {
      // The event is recorded; the device's resend will be acked as a duplicate.
      log.warn({ err, eventId: event.id, deviceId }, 'could not publish ack');
    }
  };

  function processEvent(event: EventEnvelope): Promise<Ack> {
    const { db } = deps;
    return db.transaction(async () => {
      const prior = await findProcessedEvent(db, event.id);
      if (prior) {
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
      const outcome = await apply(event);
      await recordProcessedEvent(db, {
        eventId: event.id,
        deviceId: event.deviceId,
        type: event.type,
        status: outcome.status,
        processedAt: now().toISOString(),
        result:
          outcome.status === 'applied'
            ? outcome.result
            : { reason: outcome.reason, ...(outcome.code ? { code: outcome.code } : {}) },
      });
      return ack(event.id, outcome);
    });
  }

  function apply(event: EventEnvelope): Promise<EventOutcome> {
    switch (event.type) {
      case 'checkin':
        return applyCheckin(
          deps.db,
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
          deps.db,
          { eventId: event.id, deviceId: event.deviceId, ...event.payload },
          now(),
          deps.policy.timeZone,
        );
      case 'survey.answer':
        return applySurveyAnswer(
          deps.db,
          { eventId: event.id, deviceId: event.deviceId, ...event.payload },
          now(),
        );
      default: {
        // A new event type in protocol/ fails to compile here until the server handles it.
        const unknownEvent: never = event;
        throw new Error(`no handler for event type ${String((unknownEvent as EventEnvelope).type)}`);
      }
    }
  }
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
