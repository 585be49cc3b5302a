import { timingSafeEqual } from 'node:crypto';
import { DEVICE_ID_PATTERN, TOPIC_ROOT } from '@bashgah/protocol';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import { verifyMosquittoPassword } from '../fleet/credentials.js';

/**
 * `devices`: every client must log in, as the server's service account or as an enrolled,
 * unrevoked device. `open` (development only): anonymous clients may also connect and touch
 * anything, but a client that does present credentials is held to them exactly as in `devices`.
 */
export type MqttAuthMode = 'devices' | 'open';

export interface DeviceCredentialLookup {
  /** The stored `$7$` hash of an enrolled, unrevoked device, or undefined. */
  (deviceId: string): Promise<string | undefined>;
}

export interface BrokerAuthOptions {
  mode: MqttAuthMode;
  service: { username: string; password: string };
  lookupDevice: DeviceCredentialLookup;
  logger: Logger;
}

type Identity = { kind: 'service' } | { kind: 'anonymous' } | { kind: 'device'; deviceId: string };

/** A device's client id must name the device, so one kiosk cannot take over another's session. */
export function clientIdAllowed(clientId: string, deviceId: string): boolean {
  return clientId === deviceId || clientId === `bashgah-agent-${deviceId}`;
}

/** Whether `topic` (a concrete topic or a subscription filter) lies inside the device's subtree. */
export function insideDeviceSubtree(topic: string, deviceId: string): boolean {
  const prefix = `${TOPIC_ROOT}/${deviceId}/`;
  return topic.startsWith(prefix) && topic.length > prefix.length;
}

function authError(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The embedded Aedes broker's authenticate / authorizePublish / authorizeSubscribe hooks, plus a
 * way to throw a device off at once when it is revoked. Mosquitto gets the same policy from the
 * generated password and ACL files (fleet/mosquitto.ts).
 */
export function createBrokerAuth(opts: BrokerAuthOptions) {
  const log = opts.logger.child({ component: 'broker-auth' });
  const identities = new WeakMap<Client, Identity>();
  const byDevice = new Map<string, Set<Client>>();

  const hooks: Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> = {
    authenticate(client, username, password, done) {
      void (async (): Promise<Identity | AuthenticateError> => {
        if (username === undefined || username === '') {
          if (opts.mode === 'open') return { kind: 'anonymous' };
          return authError('this broker needs a username and password', 5);
        }
        const secret = password?.toString('utf8') ?? '';
        if (username === opts.service.username) {
          return sameSecret(secret, opts.service.password)
            ? { kind: 'service' }
            : authError('bad service account password', 4);
        }
        if (!DEVICE_ID_PATTERN.test(username)) return authError('unknown user', 4);
        const hash = await opts.lookupDevice(username);
        if (!hash || !(await verifyMosquittoPassword(secret, hash))) {
          return authError('unknown device, wrong password, or revoked', 4);
        }
        if (!clientIdAllowed(client.id, username)) {
          return authError(`client id must be bashgah-agent-${username}`, 5);
        }
        return { kind: 'device', deviceId: username };
      })().then(
        (r) => {
          if (r instanceof Error) {
            log.warn({ clientId: client.id, username, reason: r.message }, 'MQTT login refused');
            done(r, false);
            return;
          }
          identities.set(client, r);
          if (r.kind === 'device') {
            const set = byDevice.get(r.deviceId) ?? new Set<Client>();
            byDevice.set(r.deviceId, set);
            set.add(client);
          }
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err, clientId: client.id }, 'MQTT login check failed');
          done(authError('login check failed', 5), false);
        },
      );
    },

    authorizePublish(client, packet, callback) {
      // client is null for messages the broker itself publishes.
      const id = client ? identities.get(client) : undefined;
      if (!client || !id || id.kind !== 'device') return callback(null);
      if (insideDeviceSubtree(packet.topic, id.deviceId)) return callback(null);
      log.warn({ deviceId: id.deviceId, topic: packet.topic }, 'refused publish outside the device subtree');
      callback(new Error(`device ${id.deviceId} may not publish to ${packet.topic}`));
    },

    authorizeSubscribe(client, subscription, callback) {
      const id = identities.get(client);
      if (id?.kind !== 'device') return callback(null, subscription);
      if (insideDeviceSubtree(subscription.topic, id.deviceId)) return callback(null, subscription);
      log.warn(
        { deviceId: id.deviceId, topic: subscription.topic },
        'refused subscription outside the device subtree',
      );
      // A null subscription makes Aedes answer 0x80 (failure) for this filter only.
      callback(null, null);
    },
  };

  return {
    hooks,
    /** Registers the broker's disconnect event so revoked-device bookkeeping does not leak. */
    forget(client: Client) {
      const id = identities.get(client);
      if (id?.kind === 'device') {
        const set = byDevice.get(id.deviceId);
        set?.delete(client);
        if (set?.size === 0) byDevice.delete(id.deviceId);
      }
    },
    /** Closes every live connection of a device (on revocation). Returns how many were closed. */
    disconnectDevice(deviceId: string): number {
      const set = byDevice.get(deviceId);
      if (!set) return 0;
      const n = set.size;
      for (const client of [...set]) client.close();
      byDevice.delete(deviceId);
      log.info({ deviceId, connections: n }, 'disconnected revoked device');
      return n;
    },
  };
}

export type BrokerAuth = ReturnType<typeof createBrokerAuth>;
