import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import { watchKioskReturns } from './console/kiosk-push.js';
import { migrate } from './db/migrate.js';
import { SqliteDb } from './db/sqlite.js';
import type { CheckinPolicy } from './engine/checkin.js';
import { createWebhookDispatcher, syncWebhookEndpoints } from './engine/webhooks.js';
import { createFleet, type Fleet, serviceAccount } from './fleet/index.js';
import { createApp } from './http/app.js';
import { LogProvider } from './messaging/providers/log.js';
import type { MessageProvider } from './messaging/providers/provider.js';
import { createMessagingScheduler } from './messaging/scheduler.js';
import type { SmsSender } from './messaging/sms.js';
import { createBrokerAuth } from './mqtt/auth.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt/broker.js';
import { connectServerMqtt, type ServerMqtt } from './mqtt/client.js';
import { createIngress } from './mqtt/ingress.js';
import { createRouter } from './mqtt/router.js';
import { createRpcHandler } from './mqtt/rpc.js';
import { ensureReportAggregates } from './reports/aggregates.js';
import { seedDemo } from './seed.js';

export interface RunningServer {
  /** http://host:port with the port actually bound. */
  httpUrl: string;
  /** The broker the server uses: the embedded one's bound address, or MQTT_URL. */
  mqttUrl: string;
  db: SqliteDb;
  /** Device registry, commands, alerts (tests and tools drive these directly). */
  fleet: Fleet;
  /** Club messages and campaigns: `tick()` runs one round now (tests, tools). */
  messaging: { tick(): Promise<unknown> };
  stop(): Promise<void>;
}

export class HttpStartError extends Error {
  override name = 'HttpStartError';
}

/**
 * Starts everything in dependency order and returns once the server is ready: database migrated,
 * broker listening, MQTT subscribed, HTTP listening. If any step fails, whatever already started
 * is stopped again before the error is rethrown, so a failed start leaves no ports or files open.
 */
export interface ServerExtras {
  /** SMS provider for one-time codes (HTTP signup and kiosk signup alike); the log provider by default. */
  sms?: SmsSender;
  /** Providers for club messages (welcome, vouchers, campaigns …); the log provider by default. */
  messageProviders?: Partial<Record<'sms' | 'email', MessageProvider>>;
  /** How often the messaging scheduler runs (ms); default 30 s. */
  messagingIntervalMs?: number;
}

export async function startServer(
  config: ServerConfig,
  logger: Logger,
  extras: ServerExtras = {},
): Promise<RunningServer> {
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    }
  };

  try {
    await mkdir(path.dirname(config.dbPath), { recursive: true });
    const db = await SqliteDb.open(config.dbPath);
    cleanups.push(() => db.close());
    const applied = await migrate(db, { logger });
    logger.info({ dbPath: config.dbPath, applied }, 'database ready');
    await ensureReportAggregates(db, config.timeZone, logger);
    if (config.seedDemo) {
      const created = await seedDemo(db);
      if (created.length > 0) logger.info({ created }, 'seeded demo members');
    }

    const service = serviceAccount(config);
    let mqtt: ServerMqtt | undefined;
    const publish: ServerMqtt['publish'] = (topic, message, opts) => {
      if (!mqtt) return Promise.reject(new Error('MQTT client not connected yet'));
      return mqtt.publish(topic, message, opts);
    };
    let broker: EmbeddedBroker | undefined;
    const fleet = createFleet({
      config,
      db,
      logger,
      publish,
      service,
      brokerUrl: () => config.mqtt.url ?? broker?.url ?? '',
    });
    await fleet.prepare();
    if (!config.mqtt.url) {
      const auth = createBrokerAuth({
        mode: config.mqtt.auth,
        service,
        lookupDevice: fleet.lookupDevice,
        logger,
      });
      fleet.attachBrokerAuth(auth);
      if (config.mqtt.auth === 'open') {
        logger.warn(
          'embedded MQTT broker accepts anonymous clients (MQTT_AUTH=open); use MQTT_AUTH=devices in production',
        );
      }
      const tlsFiles =
        config.mqtt.tlsCertFile && config.mqtt.tlsKeyFile
          ? { cert: await readFile(config.mqtt.tlsCertFile), key: await readFile(config.mqtt.tlsKeyFile) }
          : undefined;
      broker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        logger,
        auth,
        tls: tlsFiles,
      });
      cleanups.push(broker.close);
    }
    const mqttUrl = config.mqtt.url ?? broker!.url;

    const policy: CheckinPolicy = { points: config.checkinPoints, timeZone: config.timeZone };
    const router = createRouter(
      {
        events: createIngress({ db, publish, policy, logger }),
        'rpc/req': createRpcHandler({ db, publish, policy, logger, cards: config.cards, sms: extras.sms }),
        status: fleet.handlers.onStatus,
        telemetry: fleet.handlers.onTelemetry,
        'cmd/result': fleet.commands.onResult,
      },
      logger,
    );
    // Messages can arrive before connectServerMqtt returns (persistent session); they are handled
    // at once and only their replies wait for `mqtt` to be set, which is why publish is indirect.
    const client = await connectServerMqtt({
      url: mqttUrl,
      username: service.username,
      password: service.password,
      ca: config.mqtt.caFile ? await readFile(config.mqtt.caFile) : undefined,
      clientId: config.mqtt.clientId,
      cleanSession: config.mqtt.cleanSession,
      logger,
      onMessage: router,
    });
    mqtt = client;
    cleanups.push(async () => {
      await router.idle();
      await client.close();
    });

    fleet.start();
    cleanups.push(() => fleet.stop());
    const kioskReturns = watchKioskReturns({ db, hub: fleet.hub, commands: fleet.commands, logger });
    cleanups.push(() => kioskReturns.stop());

    const messaging = createMessagingScheduler({
      db,
      logger,
      timeZone: config.timeZone,
      providers: extras.messageProviders ?? {
        sms: new LogProvider(logger, 'sms'),
        email: new LogProvider(logger, 'email'),
      },
      intervalMs: extras.messagingIntervalMs ?? 30_000,
    });
    messaging.start();
    cleanups.push(() => messaging.stop());

    const webhookEndpoints = config.webhooks?.endpoints ?? [];
    await syncWebhookEndpoints(db, webhookEndpoints, new Date());
    if (webhookEndpoints.length > 0) {
      const webhooks = createWebhookDispatcher({ db, endpoints: webhookEndpoints, logger });
      webhooks.start();
      cleanups.push(() => webhooks.stop());
    }

    const app = createApp({
      db,
      policy,
      logger,
      uploadDir: path.join(path.dirname(config.dbPath), 'uploads'),
      mqttConnected: () => client.isConnected(),
      ...(extras.sms ? { sms: extras.sms } : {}),
      ...(config.signupRateLimit ? { signupRateLimit: config.signupRateLimit } : {}),
      fleet: fleet.routeDeps(),
    });
    const http = createAdaptorServer({ fetch: app.fetch });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.http.port, config.http.host, () => {
        http.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      throw new HttpStartError(
        err.code === 'EADDRINUSE'
          ? `HTTP port ${config.http.port} on ${config.http.host} is already in use (is another Bashgah server running?). Set HTTP_PORT to a free port.`
          : `Cannot listen for HTTP on ${config.http.host}:${config.http.port}: ${err.message}. Check HTTP_HOST and HTTP_PORT.`,
        { cause: err },
      );
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          if ('closeAllConnections' in http) http.closeAllConnections();
        }),
    );
    const { port } = http.address() as AddressInfo;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const httpUrl = `http://${host}:${port}`;
    logger.info({ httpUrl, mqttUrl, embeddedBroker: broker !== undefined }, 'Bashgah server started');

    let stopping: Promise<void> | undefined;
    return {
      httpUrl,
      mqttUrl,
      db,
      fleet,
      messaging: { tick: () => messaging.tick() },
      stop() {
        stopping ??= stopAll().then(() => logger.info('Bashgah server stopped'));
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
