import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { countOperators, createOperator } from '../auth/operators.js';
import type { ServerConfig } from '../config.js';
import type { Queryable } from '../db/sqlite.js';
import type { FleetRouteDeps } from '../http/routes/fleet.js';
import type { BrokerAuth } from '../mqtt/auth.js';
import type { Publish } from '../mqtt/client.js';
import { type AlertNotifier, createAlerts, webhookNotifier } from './alerts.js';
import { createCommands } from './commands.js';
import { createFleetHandlers } from './devices.js';
import { FleetHub } from './hub.js';
import { writeMosquittoFiles } from './mosquitto.js';
import { createRegistry } from './registry.js';
import { activeCredentialHash } from './store.js';

export const SERVICE_USERNAME = 'bashgah-server';

/**
 * The server's MQTT service account. With the embedded broker and no MQTT_USERNAME a random
 * password is made per start: only this process needs to know it.
 */
export function serviceAccount(config: ServerConfig): { username: string; password: string } {
  if (config.mqtt.username && config.mqtt.password) {
    return { username: config.mqtt.username, password: config.mqtt.password };
  }
  return { username: SERVICE_USERNAME, password: randomBytes(24).toString('base64url') };
}

export interface FleetOptions {
  config: ServerConfig;
  db: Queryable;
  logger: Logger;
  publish: Publish;
  service: { username: string; password: string };
  /** The broker devices should be told about, when DEVICE_MQTT_URL is not set. */
  brokerUrl: () => string;
  notifiers?: AlertNotifier[];
  sweepIntervalMs?: number;
}

/** Wires the fleet parts together: registry, status/telemetry handlers, commands, alerts, sweeps. */
export function createFleet(opts: FleetOptions) {
  const { config, db, logger } = opts;
  // The embedded broker's auth, attached once it exists, so a revoked device is thrown off at once.
  let brokerAuth: BrokerAuth | undefined;
  const hub = new FleetHub();
  const notifiers = [...(opts.notifiers ?? [])];
  const a = config.fleet.alerts;
  if (a.webhookUrl && a.webhookSecret) {
    notifiers.push(webhookNotifier({ url: a.webhookUrl, secret: a.webhookSecret, logger }));
  }
  const alerts = createAlerts({ db, hub, logger, thresholds: a, notifiers });
  const handlers = createFleetHandlers({ db, logger, hub, onChange: (id) => void alerts.evaluate(id) });
  const commands = createCommands({
    db,
    publish: opts.publish,
    hub,
    logger,
    defaultTtlSec: config.fleet.commandTtlSec,
  });
  const caPem = config.mqtt.caFile ? readFileSync(config.mqtt.caFile, 'utf8') : undefined;
  const m = config.fleet.mosquitto;
  const syncMosquitto = async () => {
    if (m.passwordFile && m.aclFile) {
      await writeMosquittoFiles(db, {
        passwordFile: m.passwordFile,
        aclFile: m.aclFile,
        pidFile: m.pidFile,
        service: opts.service,
        logger,
      });
    }
  };
  const registry = createRegistry({
    db,
    logger,
    hub,
    enrolmentTtlMin: config.fleet.enrolmentTtlMin,
    deviceMqtt: () => ({ url: config.mqtt.deviceUrl ?? opts.brokerUrl(), caPem }),
    onCredentialsChanged: async ({ deviceId, revoked }) => {
      await syncMosquitto().catch((err: unknown) =>
        logger.error({ err }, 'could not rewrite the Mosquitto password/ACL files'),
      );
      if (revoked) brokerAuth?.disconnectDevice(deviceId);
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const sweep = async () => {
    await commands.expire();
    await alerts.evaluateAll();
  };

  return {
    hub,
    registry,
    commands,
    alerts,
    handlers,
    lookupDevice: (id: string) => activeCredentialHash(db, id),
    attachBrokerAuth(auth: BrokerAuth) {
      brokerAuth = auth;
    },
    routeDeps(): FleetRouteDeps {
      return { db, hub, registry, commands, alerts, cookieSecure: config.fleet.cookieSecure };
    },
    /**
     * Bootstraps the admin operator and writes the Mosquitto files; runs before the server's MQTT
     * client connects, so an external broker already knows the service account.
     */
    async prepare() {
      if (config.fleet.adminPassword && (await countOperators(db)) === 0) {
        await createOperator(db, { username: 'admin', password: config.fleet.adminPassword, role: 'admin' });
        logger.info('created the admin operator from ADMIN_PASSWORD');
      }
      await syncMosquitto();
    },
    /** Starts the periodic sweep (command expiry, time-based alert rules). */
    start() {
      timer = setInterval(() => {
        sweeping ??= sweep()
          .catch((err: unknown) => logger.error({ err }, 'fleet sweep failed'))
          .finally(() => {
            sweeping = undefined;
          });
      }, opts.sweepIntervalMs ?? 10_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await sweeping;
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
