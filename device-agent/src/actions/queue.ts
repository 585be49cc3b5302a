import {
  type ActivityEntry,
  EventEnvelope,
  type EventPayload,
  type EventType,
  type MemberView,
  newId,
  PROTOCOL_VERSION,
} from '@bashgah/protocol';
import type { Outbox } from '../store/outbox.js';

/**
 * Writes one member action to the outbox and returns its envelope. The row is durable before the
 * caller answers the kiosk, and the envelope id makes the server apply it once however often the
 * sync resends it.
 */
export async function queueEvent<T extends EventType>(
  outbox: Outbox,
  deviceId: string,
  type: T,
  payload: EventPayload<T>,
  at: Date = new Date(),
): Promise<Extract<EventEnvelope, { type: T }>> {
  const envelope = EventEnvelope.parse({
    v: PROTOCOL_VERSION,
    id: newId(),
    deviceId,
    type,
    at: at.toISOString(),
    payload,
  }) as Extract<EventEnvelope, { type: T }>;
  await outbox.add(envelope);
  return envelope;
}

/** The member's recent activity with one new line on top (what the screen shows until the next tap). */
export function withActivity(member: MemberView, entry: ActivityEntry): ActivityEntry[] {
  return [entry, ...(member.recentActivity ?? [])].slice(0, 5);
}
