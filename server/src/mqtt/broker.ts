import net from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { BrokerAuth } from './auth.js';

export interface EmbeddedBroker {
  /** mqtt://host:port with the port actually bound (useful when 0 was asked for). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export class BrokerStartError extends Error {
  override name = 'BrokerStartError';
}

/**
 * Starts the embedded Aedes broker on plain TCP. Aedes keeps sessions and retained messages in
 * memory, which is enough for a single head-office server; larger set-ups point MQTT_URL at
 * Mosquitto instead.
 */
export async function startEmbeddedBroker(opts: {
  host: string;
  port: number;
  logger: Logger;
  /** Login and topic rules; without it anyone may connect and touch anything (tests only). */
  auth?: BrokerAuth;
  /** PEM certificate chain and key: the broker then speaks MQTT over TLS (mqtts://). */
  tls?: { cert: string | Buffer; key: string | Buffer };
}): Promise<EmbeddedBroker> {
  const log = opts.logger.child({ component: 'broker' });
  const broker = await Aedes.createBroker({ ...opts.auth?.hooks });
  const auth = opts.auth;
  if (auth) broker.on('clientDisconnect', (client) => auth.forget(client));
  broker.on('clientError', (client, err) =>
    log.debug({ clientId: client.id, err: err.message }, 'client error'),
  );
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));

  const sockets = new Set<net.Socket>();
  // noDelay: MQTT packets are small and request/response shaped; with Nagle on, a reply waits for
  // the peer's delayed ACK (~40 ms) and every member lookup pays for it.
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  };
  const server: net.Server = opts.tls
    ? tls.createServer(
        { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', noDelay: true },
        onSocket,
      )
    : net.createServer({ noDelay: true }, onSocket);
  if (opts.tls) {
    server.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new BrokerStartError(
        `MQTT port ${opts.port} on ${opts.host} is already in use (another broker, e.g. Mosquitto?). ` +
          'Set MQTT_PORT to a free port, or set MQTT_URL=mqtt://host:port to use that broker instead.',
        { cause: err },
      );
    }
    throw new BrokerStartError(
      `Cannot start the embedded MQTT broker on ${opts.host}:${opts.port}: ${(err as Error).message}. ` +
        'Check MQTT_HOST and MQTT_PORT.',
      { cause: err },
    );
  }
  server.on('error', (err) => log.error({ err }, 'broker listener error'));

  const port = (server.address() as net.AddressInfo).port;
  const url = `${opts.tls ? 'mqtts' : 'mqtt'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  log.info({ url }, 'embedded MQTT broker listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // broker.close ends MQTT sessions; any socket still half-open would keep server.close waiting.
        for (const s of sockets) s.destroy();
        await stopped;
        log.info('embedded MQTT broker stopped');
      })();
      return closing;
    },
  };
}
