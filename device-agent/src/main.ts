#!/usr/bin/env node
import pino from 'pino';
import { startAgent } from './agent.js';
import { ConfigError, loadAgentConfig } from './config.js';
import { LogRing } from './log-ring.js';

/** Exit code after a restart-agent command; the systemd unit restarts the agent on it. */
export const RESTART_EXIT_CODE = 75;

/** Composition root: the only place that reads the environment and owns the process. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bashgah-agent: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // Logs go to stdout (journald) and to a small ring the fetch-logs command reads.
  const ring = new LogRing(500);
  const logger = pino(
    { level: config.logLevel, base: { service: 'bashgah-agent' } },
    pino.multistream([
      { stream: process.stdout, level: config.logLevel },
      { stream: ring, level: config.logLevel },
    ]),
  );
  let restart: () => void = () => {};
  const agent = await startAgent(config, {
    logger,
    recentLogs: (n) => ring.recent(n),
    restart: () => restart(),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // systemd sends SIGKILL after its own timeout; this one only catches a hang in our own code.
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // restart-agent: stop cleanly and exit 75 (EX_TEMPFAIL); systemd's Restart= starts us again.
  restart = () => {
    if (stopping) return;
    stopping = true;
    logger.warn('restarting on operator command');
    agent.stop().finally(() => process.exit(RESTART_EXIT_CODE));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// `bashgah-agent enrol --server URL --code CODE [--out FILE]`: one-time set-up, then exit.
// `bashgah-agent staff-pin UID NAME` (PIN on stdin): prints a STAFF_CARDS entry with the PIN hashed.
const start: Promise<void> =
  process.argv[2] === 'enrol'
    ? import('./enrol.js').then(async ({ enrolCli }) => process.exit(await enrolCli(process.argv.slice(3))))
    : process.argv[2] === 'staff-pin'
      ? import('./staff/pin.js').then(async ({ staffPinCli }) =>
          process.exit(await staffPinCli(process.argv.slice(3))),
        )
      : main();

start.catch((error: unknown) => {
  process.stderr.write(
    `bashgah-agent failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
