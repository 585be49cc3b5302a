#!/usr/bin/env node
/** The fleet benchmark's baseline: the server's embedded Aedes broker alone, no ingress, no database. */
import { startEmbeddedBroker } from '@bashgah/server';
import { pino } from 'pino';

const port = Number(process.env.MQTT_PORT ?? 0);
const broker = await startEmbeddedBroker({ host: '127.0.0.1', port, logger: pino({ level: 'warn' }) });
process.stdout.write(`READY ${broker.url}\n`);
process.once('SIGTERM', () => void broker.close().then(() => process.exit(0)));
