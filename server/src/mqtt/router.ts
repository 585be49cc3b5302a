import { type DeviceTopicKind, parseDeviceTopic } from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { MessageHandler } from './client.js';

export type DeviceMessageHandler = (
  deviceId: string,
  topic: string,
  payload: Buffer,
  meta: { retain: boolean },
) => Promise<void>;

/**
 * Sends each incoming message to the handler for its topic kind. Handlers catch their own errors;
 * the catch here is the last line so that one bad message can never become an unhandled rejection.
 */
export function createRouter(
  routes: Partial<Record<DeviceTopicKind, DeviceMessageHandler>>,
  logger: Logger,
): MessageHandler & { idle(): Promise<void> } {
  const log = logger.child({ component: 'mqtt-router' });
  const pending = new Set<Promise<void>>();
  const route = (topic: string, payload: Buffer, meta: { retain: boolean }) => {
    const parsed = parseDeviceTopic(topic);
    const handler = parsed && routes[parsed.kind];
    if (!parsed || !handler) {
      log.debug({ topic }, 'ignored message on a topic the server does not handle');
      return;
    }
    const p = handler(parsed.deviceId, topic, payload, meta)
      .catch((err: unknown) => log.error({ err, topic }, 'message handler failed'))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  /** Resolves when every message received so far has been handled (used on shutdown). */
  route.idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return route;
}
