#!/usr/bin/env node
import { pino } from 'pino';
import { ConfigError, loadServerConfig } from './config.js';
import { messageProvidersFromEnv } from './messaging/config.js';
import { startServer } from './server.js';

/** Composition root: the only place that reads the environment and owns process lifetime. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'bashgah-server' } });
  const server = await startServer(config, logger, {
    messageProviders: messageProvidersFromEnv(process.env, logger),
  }).catch((err: unknown) => {
    // Start-up errors are written for a person; a stack trace would bury the advice.
    logger.fatal({ err }, 'server failed to start');
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
  console.log(`Bashgah server: HTTP ${server.httpUrl}  MQTT ${server.mqttUrl}  DB ${config.dbPath}`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('did not stop within 10 s; exiting anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
