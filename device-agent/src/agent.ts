import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KioskState } from '@bashgah/protocol';
import { createAdaptorServer } from '@hono/node-server';
import type { Logger } from 'pino';
import { CheckinAction } from './actions/checkin.js';
import { ClaimAction } from './actions/claim.js';
import { SignupAction } from './actions/signup.js';
import { SurveyAction } from './actions/survey.js';
import type { AgentBus, AgentEvents } from './agent-events.js';
import { createApp } from './api/app.js';
import { HttpError } from './api/errors.js';
import type { AgentConfig } from './config.js';
import { EventBus } from './event-bus.js';
import type { CardReader } from './hardware/reader/card-reader.js';
import { SimReader } from './hardware/reader/sim-reader.js';
import { CommandHandler } from './link/commands.js';
import { MqttLink } from './link/mqtt-link.js';
import { RpcClient } from './link/rpc-client.js';
import { Sync } from './link/sync.js';
import { TelemetryPublisher } from './link/telemetry.js';
import { PrintJobStore } from './print/job-store.js';
import { PrintService } from './print/print-service.js';
import { TapSession } from './session/tap-session.js';
import { StaffMode } from './staff/staff-mode.js';
import { MemberCache } from './store/member-cache.js';
import { Outbox } from './store/outbox.js';
import { DeviceStore } from './store/settings.js';
import { Sqlite } from './store/sqlite.js';
import { AGENT_VERSION } from './version.js';

/** Timings worth shortening in tests and drills; production uses the defaults. */
export interface AgentTiming {
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  resendAfterMs?: number;
  telemetryIntervalMs?: number;
  sseHeartbeatMs?: number;
}

export interface StartAgentDeps {
  logger: Logger;
  /** A reader to use instead of the one READER names (tests, custom hardware). */
  reader?: CardReader;
  timing?: AgentTiming;
  /** For the restart-agent command: stop and let the supervisor start the agent again. */
  restart?: () => void;
  /** For the fetch-logs command: the last n log lines. */
  recentLogs?: (n: number) => string[];
  /** For the test-print command; by default the configured printer's test page. */
  printTestPage?: () => Promise<void>;
}

export interface RunningAgent {
  apiUrl: string;
  bus: AgentBus;
  reader: CardReader;
  /** Injects taps; present when the simulator is on (SIMULATOR=true, READER=sim, or pcsc fallback). */
  simulator: SimReader | undefined;
  /** The receipt printer (answers `no-printer` when PRINTER=none). */
  print: PrintService;
  stop(): Promise<void>;
}

async function openReader(
  config: AgentConfig,
  bus: AgentBus,
  logger: Logger,
): Promise<{ reader: CardReader; fallback: boolean }> {
  if (config.reader === 'sim') {
    const reader = new SimReader({ bus });
    await reader.start();
    return { reader, fallback: false };
  }
  try {
    // Loaded on demand: the PC/SC stack (nfc-pcsc, a native addon) is optional, and a kiosk
    // without it must still start on the simulated reader.
    const { PcscReader } = await import('./hardware/reader/pcsc-reader.js');
    const reader = new PcscReader({ bus, logger: logger.child({ module: 'reader' }) });
    await reader.start();
    return { reader, fallback: false };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    logger.warn(
      { err: error },
      `NFC reader unavailable (${why}): falling back to the simulated reader; taps come from POST /sim/tap`,
    );
    const reader = new SimReader({ bus });
    await reader.start();
    return { reader, fallback: true };
  }
}

/**
 * Wires the agent from its parts and starts it. Nothing here is global: every part gets what it
 * needs as arguments, so several agents can run in one test process.
 */
export async function startAgent(config: AgentConfig, deps: StartAgentDeps): Promise<RunningAgent> {
  const logger = deps.logger.child({ deviceId: config.deviceId });
  const timing = deps.timing ?? {};
  // Undo whatever was started if a later step fails (e.g. the API port is taken).
  const closers: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error }, 'error while stopping the agent');
      }
    }
  };

  try {
    const bus: AgentBus = new EventBus<AgentEvents>((event, error) =>
      logger.error({ err: error, event }, 'bus listener failed'),
    );

    await mkdir(config.dataDir, { recursive: true });
    const db = await Sqlite.open(join(config.dataDir, 'agent.db'));
    closers.push(() => db.close());
    const outbox = await Outbox.open(db);
    const cache = await MemberCache.open(db);
    const deviceStore = await DeviceStore.open(db);
    const print = await PrintService.start({
      deviceId: config.deviceId,
      config: config.printer,
      paperMm: config.paperMm,
      storeName: config.storeName,
      timeZone: config.timeZone,
      bus,
      jobs: await PrintJobStore.open(db),
      logger,
    });
    closers.push(() => print.stop());

    let reader: CardReader;
    let simulator: SimReader | undefined;
    if (deps.reader) {
      reader = deps.reader;
      await reader.start();
      simulator = reader instanceof SimReader ? reader : undefined;
    } else {
      const opened = await openReader(config, bus, logger);
      reader = opened.reader;
      if (reader instanceof SimReader && (config.simulator || config.reader === 'sim' || opened.fallback)) {
        simulator = reader;
      }
    }
    closers.push(() => reader.stop());
    // SIMULATOR=true beside a real reader: injected taps join the real ones on the same bus.
    if (!simulator && config.simulator) simulator = new SimReader({ bus });
    const sim = simulator;
    if (sim && sim !== reader) closers.push(() => sim.stop());

    const link = new MqttLink({
      url: config.mqtt.url,
      username: config.mqtt.username,
      password: config.mqtt.password,
      ...(config.mqtt.caFile ? { ca: await readFile(config.mqtt.caFile) } : {}),
      deviceId: config.deviceId,
      agentVersion: AGENT_VERSION,
      bus,
      logger,
      reconnectMinMs: timing.reconnectMinMs,
      reconnectMaxMs: timing.reconnectMaxMs,
    });
    const rpc = new RpcClient({ deviceId: config.deviceId, link, bus, logger });
    const sync = new Sync({
      deviceId: config.deviceId,
      outbox,
      link,
      bus,
      logger,
      resendAfterMs: timing.resendAfterMs,
    });
    // Staff cards never reach the member lookup: staff mode sees each tap first.
    let staff: StaffMode | undefined;
    const session = new TapSession({
      bus,
      cache,
      rpc,
      logger,
      idleMs: config.sessionIdleMs,
      lookupTimeoutMs: config.rpcTimeoutMs,
      intercept: (tap) => staff?.onTap(tap) ?? false,
    });
    const checkin = new CheckinAction({
      deviceId: config.deviceId,
      bus,
      outbox,
      session,
      flush: () => sync.trigger(),
      logger,
    });
    const claims = await ClaimAction.open({
      deviceId: config.deviceId,
      db,
      bus,
      outbox,
      session,
      print,
      perCardDailyCap: config.claimsPerCardPerDay,
      timeZone: config.timeZone,
      flush: () => sync.trigger(),
      logger,
    });
    const survey = new SurveyAction({
      deviceId: config.deviceId,
      bus,
      outbox,
      session,
      flush: () => sync.trigger(),
      logger,
    });
    if (config.staffCards.size > 0) {
      staff = await StaffMode.open({
        deviceId: config.deviceId,
        db,
        bus,
        outbox,
        session,
        print,
        cards: config.staffCards,
        idleMs: config.staffIdleMs,
        flush: () => sync.trigger(),
        logger,
      });
    }
    const staffMode = staff;
    const signup = new SignupAction({ rpc, session, print, logger, rpcTimeoutMs: config.rpcTimeoutMs });
    // The daily visit is recorded on the tap itself: once per tap, when the view offers points.
    let checkedInTap: string | undefined;
    const offAutoCheckin = bus.on('session', async (s) => {
      if (!config.autoCheckin || s.kind !== 'member') return;
      if (s.member.checkinPointsAvailable <= 0 || checkedInTap === s.tappedAt) return;
      if (await deviceStore.maintenance()) return;
      checkedInTap = s.tappedAt;
      await checkin
        .checkin(s.member.id)
        .catch((error: unknown) =>
          logger.warn({ err: error, memberId: s.member.id }, 'automatic check-in failed'),
        );
    });
    const telemetry = new TelemetryPublisher({
      deviceId: config.deviceId,
      agentVersion: AGENT_VERSION,
      link,
      bus,
      outbox,
      reader: () => reader,
      logger,
      intervalMs: timing.telemetryIntervalMs,
      maintenance: () => deviceStore.maintenance(),
      printer: () => print.state().state,
      dataDir: config.dataDir,
    });
    const commands = new CommandHandler({
      deviceId: config.deviceId,
      link,
      bus,
      store: deviceStore,
      logger,
      restart: deps.restart,
      recentLogs: deps.recentLogs,
      printTestPage:
        deps.printTestPage ??
        (print.configured()
          ? async () => {
              const outcome = await print.printTestPage();
              if (outcome !== 'printed') throw new Error(`test page ${outcome}: ${print.state().state}`);
            }
          : undefined),
      syncNow: async () => {
        sync.trigger();
        await sync.idle();
        return outbox.depth();
      },
    });

    const state = async (): Promise<KioskState> => ({
      deviceId: config.deviceId,
      online: link.online(),
      reader: reader.state(),
      outboxDepth: await outbox.depth(),
      session: session.current(),
      maintenance: await deviceStore.maintenance(),
      ...(await deviceStore
        .settings()
        .then((s) => (s.maintenanceMessage ? { maintenanceMessage: s.maintenanceMessage } : {}))),
      printer: print.state(),
      ...(staffMode ? { staff: staffMode.state() } : {}),
    });
    const inService = async () => {
      // Out of service: the kiosk shows so, and no member action is taken behind that screen.
      if (await deviceStore.maintenance()) {
        throw new HttpError(503, 'maintenance', 'this kiosk is out of service (maintenance mode)');
      }
    };

    const shutdown = new AbortController();
    const app = createApp({
      bus,
      state,
      checkin: async (memberId) => {
        // Out of service: the kiosk shows so, and no member action is taken behind that screen.
        if (await deviceStore.maintenance()) {
          throw new HttpError(503, 'maintenance', 'this kiosk is out of service (maintenance mode)');
        }
        return checkin.checkin(memberId);
      },
      claim: async (req) => {
        await inService();
        return claims.claim(req.memberId, req.rewardId, req.lang ?? 'fa');
      },
      signupOtp: async (phone) => {
        await inService();
        return signup.requestOtp(phone);
      },
      signup: async (req, signal) => {
        await inService();
        return signup.signup(req, req.lang ?? 'fa', signal);
      },
      survey: async (req) => {
        await inService();
        return survey.answer(req);
      },
      ...(staffMode ? { staff: staffMode } : {}),
      endSession: () => session.end(),
      simTap: sim ? (uid) => void sim.tap(uid) : undefined,
      kioskUiDir: config.kioskUiDir,
      logger,
      heartbeatMs: timing.sseHeartbeatMs,
      shutdown: shutdown.signal,
    });
    const server = createAdaptorServer({ fetch: app.fetch, hostname: config.api.host });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `cannot listen on ${config.api.host}:${config.api.port} (${error.code ?? error.message}); ` +
              'stop whatever uses that port or set API_PORT',
            { cause: error },
          ),
        ),
      );
      server.listen(config.api.port, config.api.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
    const apiUrl = `http://${host}:${port}`;

    // Closers run in reverse: the session and sync stop reacting, the API closes, the uplink says
    // goodbye, the readers stop, and the database closes last so nothing writes to a closed file.
    closers.push(
      () => link.stop(),
      async () => {
        shutdown.abort();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      },
      () => rpc.close(),
      () => sync.stop(),
      () => telemetry.stop(),
      () => commands.stop(),
      () => checkin.stop(),
      () => claims.stop(),
      () => survey.stop(),
      () => staffMode?.stop(),
      () => offAutoCheckin(),
      () => session.stop(),
    );

    link.start();
    sync.start();
    telemetry.start();
    logger.info(
      { apiUrl, reader: reader.kind, simulator: Boolean(sim), mqtt: config.mqtt.url, version: AGENT_VERSION },
      'agent started',
    );

    let stopping: Promise<void> | undefined;
    return {
      apiUrl,
      bus,
      reader,
      simulator: sim,
      print,
      stop: () => {
        stopping ??= stopAll().then(() => logger.info('agent stopped'));
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
