/**
 * `npm run vcard -- tap 04A1B2C3D4E5F6 [--hold 1500] [--host 127.0.0.1] [--port 35963]`
 *
 * Presents the virtual card to pcscd's vpcd reader, holds it in the field for --hold ms, then
 * removes it, and says whether an application (the agent's PcscReader) read its UID meanwhile.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CardUid } from '@bashgah/protocol';
import { VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT } from './frames.js';
import { VirtualCard, VirtualCardError } from './index.js';

export const usage = `usage: npm run vcard -- tap <uid> [--hold <ms>] [--host <host>] [--port <port>]

  tap <uid>      present a card with this UID (4, 7 or 10 bytes of hex, e.g. 04A1B2C3D4E5F6),
                 hold it in the field, then remove it
  --hold <ms>    how long the card stays in the field (default 1500)
  --host <host>  where vpcd listens (default ${VPCD_DEFAULT_HOST})
  --port <port>  vpcd's port: ${VPCD_DEFAULT_PORT} is reader slot 0 "Virtual PCD 00 00" (default ${VPCD_DEFAULT_PORT})`;

export interface TapCommand {
  command: 'tap';
  uid: string;
  holdMs: number;
  host: string;
  port: number;
}

export type ParsedCli =
  | { ok: true; value: TapCommand }
  | { ok: true; value: { command: 'help' } }
  | { ok: false; error: string };

const cliOptions = {
  hold: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const parseRaw = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], options: cliOptions, allowPositionals: true, strict: true });

/** Parses the CLI's arguments; never throws and never exits, so it is unit-testable. */
export function parseCli(argv: readonly string[]): ParsedCli {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, value: { command: 'help' } };
  const [command, uid, ...extra] = positionals;
  if (command !== 'tap') {
    return { ok: false, error: command ? `unknown command "${command}"` : 'missing command' };
  }
  if (uid === undefined) return { ok: false, error: 'tap needs a card UID' };
  if (extra.length > 0) return { ok: false, error: `unexpected argument "${extra[0]}"` };
  const cardUid = CardUid.safeParse(uid);
  if (!cardUid.success) {
    return {
      ok: false,
      error: `invalid card UID "${uid}": ${cardUid.error.issues[0]?.message ?? 'rejected'}`,
    };
  }
  const holdMs = values.hold === undefined ? 1500 : Number(values.hold);
  if (!Number.isInteger(holdMs) || holdMs < 0 || holdMs > 600_000) {
    return { ok: false, error: `--hold must be whole milliseconds from 0 to 600000, got "${values.hold}"` };
  }
  const port = values.port === undefined ? VPCD_DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, error: `--port must be a port number, got "${values.port}"` };
  }
  const host = values.host ?? VPCD_DEFAULT_HOST;
  if (host.length === 0) return { ok: false, error: '--host must not be empty' };
  return { ok: true, value: { command: 'tap', uid: cardUid.data, holdMs, host, port } };
}

async function tap(cmd: TapCommand): Promise<number> {
  const started = Date.now();
  const card = await VirtualCard.present(cmd.uid, { host: cmd.host, port: cmd.port });
  console.log(`card ${card.uid} presented to vpcd at ${cmd.host}:${cmd.port}; holding ${cmd.holdMs} ms`);

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void card.remove();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let readAfterMs: number | undefined;
  card.waitUntilRead(cmd.holdMs).then(
    () => {
      readAfterMs = Date.now() - started;
    },
    () => {},
  );
  await Promise.race([new Promise((resolve) => setTimeout(resolve, cmd.holdMs)), card.removed]);
  const leftEarly = !card.isPresent && !interrupted;
  await card.remove();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const stats = card.stats;
  console.log(
    readAfterMs === undefined
      ? `card removed; its UID was not read (pcscd polled it ${stats.atrRequests}×; is an agent or other PC/SC client watching the reader?)`
      : `card removed; UID read ${stats.uidReads}× (first after ${readAfterMs} ms)`,
  );
  if (leftEarly) {
    console.error('vpcd closed the connection before the hold ended (pcscd stopped?)');
    return 1;
  }
  return interrupted ? 130 : 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (!parsed.ok) {
    console.error(`${parsed.error}\n\n${usage}`);
    return 2;
  }
  if (parsed.value.command === 'help') {
    console.log(usage);
    return 0;
  }
  try {
    return await tap(parsed.value);
  } catch (error) {
    console.error(error instanceof VirtualCardError ? error.message : (error as Error).stack);
    return 1;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2));
}
