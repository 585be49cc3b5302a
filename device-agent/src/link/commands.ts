import {
  type CommandName,
  type CommandRequest,
  type CommandRequestOf,
  type CommandResult,
  PROTOCOL_VERSION,
  topics,
} from '@bashgah/protocol';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';
import type { DeviceStore } from '../store/settings.js';
import type { Link } from './mqtt-link.js';

/** What a handler may report: a small JSON result, or a refusal. */
export type HandlerOutcome =
  | { status: 'ok'; result?: Record<string, unknown> }
  | { status: 'error' | 'unsupported'; code: string; message: string };

type Handler<C extends CommandName> = (cmd: CommandRequestOf<C>) => Promise<HandlerOutcome>;

export interface CommandDeps {
  deviceId: string;
  link: Link;
  bus: AgentBus;
  store: DeviceStore;
  logger: Logger;
  /** Prints the test page; absent when the kiosk has no printer configured. */
  printTestPage?: () => Promise<void>;
  /** Stops the agent so its supervisor (systemd) starts it again. Called after the result is sent. */
  restart?: () => void;
  /** Drains the outbox now; resolves with the depth left. */
  syncNow: () => Promise<number>;
  /** The agent's recent log lines. */
  recentLogs?: (n: number) => string[];
  now?: () => Date;
}

/**
 * Carries out commands from head office, one handler per command, and answers each on
 * `.../cmd/result` with the command's transaction id. A command that arrives after its expiry
 * (it waited in the broker while the kiosk was offline) is refused as `expired`; a redelivered
 * command (same id) is not carried out again.
 */
export class CommandHandler {
  readonly #d: CommandDeps;
  readonly #log: Logger;
  readonly #off: () => void;
  #queue: Promise<void> = Promise.resolve();

  readonly #handlers: { [C in CommandName]: Handler<C> } = {
    'test-print': async () => {
      if (!this.#d.printTestPage) {
        return {
          status: 'unsupported',
          code: 'no-printer',
          message: 'no printer is configured on this kiosk',
        };
      }
      await this.#d.printTestPage();
      return { status: 'ok', result: { printed: true } };
    },
    'restart-agent': async () => {
      if (!this.#d.restart)
        return { status: 'unsupported', code: 'no-supervisor', message: 'restart not available' };
      return { status: 'ok', result: { restarting: true } };
    },
    'reload-ui': async () => {
      this.#d.bus.emit('ui.reload', undefined);
      return { status: 'ok', result: { reloaded: true } };
    },
    maintenance: async (cmd) => {
      await this.#d.store.setMaintenance(cmd.params.enabled);
      this.#d.bus.emit('kiosk.changed', undefined);
      return { status: 'ok', result: { maintenance: cmd.params.enabled } };
    },
    'push-config': async (cmd) => {
      const settings = await this.#d.store.mergeSettings(cmd.params.settings);
      this.#d.bus.emit('kiosk.changed', undefined);
      return { status: 'ok', result: { settings } };
    },
    'push-catalog': async (cmd) => {
      await this.#d.store.setCatalog(cmd.params.catalog);
      return {
        status: 'ok',
        result: { version: cmd.params.catalog.version, items: cmd.params.catalog.items.length },
      };
    },
    'sync-now': async () => {
      const outboxDepth = await this.#d.syncNow();
      return { status: 'ok', result: { outboxDepth } };
    },
    'fetch-logs': async (cmd) => {
      if (!this.#d.recentLogs)
        return { status: 'unsupported', code: 'no-log-buffer', message: 'no log buffer' };
      // Keep the result under the 64 KiB payload limit whatever the lines hold.
      const lines: string[] = [];
      let bytes = 0;
      for (const line of this.#d.recentLogs(cmd.params.lines).reverse()) {
        bytes += Buffer.byteLength(line) + 4;
        if (bytes > 56 * 1024) break;
        lines.unshift(line);
      }
      return { status: 'ok', result: { lines } };
    },
  };

  constructor(deps: CommandDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ module: 'commands' });
    // One command at a time, in arrival order: a config push then a reload must not race.
    this.#off = deps.bus.on('link.command', (cmd) => {
      this.#queue = this.#queue.then(() => this.handle(cmd));
    });
  }

  stop(): void {
    this.#off();
  }

  /** Handles one command and publishes its result. Never rejects. */
  async handle(cmd: CommandRequest): Promise<void> {
    const now = this.#d.now?.() ?? new Date();
    let outcome: HandlerOutcome;
    try {
      if (!(await this.#d.store.markHandled(cmd.id))) {
        this.#log.info({ id: cmd.id, command: cmd.command }, 'ignored a redelivered command');
        return;
      }
      if (Date.parse(cmd.expiresAt) <= now.getTime()) {
        outcome = {
          status: 'error',
          code: 'expired',
          message: `arrived after it expired at ${cmd.expiresAt}`,
        };
        await this.#reply(cmd, { ...outcome, status: 'expired' });
        return;
      }
      const handler = this.#handlers[cmd.command] as Handler<CommandName>;
      outcome = await handler(cmd);
    } catch (error) {
      outcome = { status: 'error', code: 'failed', message: (error as Error).message.slice(0, 500) };
    }
    this.#log.info({ id: cmd.id, command: cmd.command, status: outcome.status }, 'command handled');
    await this.#reply(cmd, outcome);
    if (cmd.command === 'restart-agent' && outcome.status === 'ok') this.#d.restart?.();
  }

  async #reply(
    cmd: CommandRequest,
    outcome: HandlerOutcome | { status: 'expired'; code: string; message: string },
  ): Promise<void> {
    const result: CommandResult = {
      v: PROTOCOL_VERSION,
      id: cmd.id,
      command: cmd.command,
      status: outcome.status,
      at: (this.#d.now?.() ?? new Date()).toISOString(),
      ...(outcome.status === 'ok'
        ? outcome.result
          ? { result: outcome.result }
          : {}
        : { error: { code: outcome.code, message: outcome.message } }),
    };
    try {
      await this.#d.link.publish(topics.commandResult(this.#d.deviceId), result, { qos: 1 });
    } catch (error) {
      this.#log.warn({ err: error, id: cmd.id }, 'could not send the command result');
    }
  }
}
