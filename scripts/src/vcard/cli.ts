/**
 * `npm run vcard -- tap 04A1B2C3D4E5F6 [--hold 1500] [--host 127.0.0.1] [--port 35963]
 *    [--ntag215 [--token BG1.… | --url https://…]] [--sun KEYHEX [--counter N] [--encrypted]]`
 *
 * Presents the virtual card to pcscd's vpcd reader, holds it in the field for --hold ms, then
 * removes it, and says whether an application (the agent's PcscReader) read its UID meanwhile.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CardToken, CardUid } from '@bashgah/protocol';
import { VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT } from './frames.js';
import { VirtualCard, VirtualCardError } from './index.js';
import { ntag215Card, ntag424Card, tokenNdefMessage, uriNdefMessage } from './ntag.js';

export const usage = `usage: npm run vcard -- tap <uid> [--hold <ms>] [--host <host>] [--port <port>]

  tap <uid>      present a card with this UID (4, 7 or 10 bytes of hex, e.g. 04A1B2C3D4E5F6),
                 hold it in the field, then remove it
  --hold <ms>    how long the card stays in the field (default 1500)
  --host <host>  where vpcd listens (default ${VPCD_DEFAULT_HOST})
  --port <port>  vpcd's port: ${VPCD_DEFAULT_PORT} is reader slot 0 "Virtual PCD 00 00" (default ${VPCD_DEFAULT_PORT})

  card kinds (default: a card that answers GET UID only, like a plain UID clone):
  --ntag215        an NTAG215 (7-byte UID) with NDEF memory (READ/UPDATE BINARY)
  --token <token>  ... carrying this member card token (BG1.<kid>.<serial>.<mac>); implies --ntag215
  --url <uri>      ... carrying this URI record (e.g. a recorded SUN URL, to replay it); implies --ntag215
  --sun <keyhex>   an NTAG 424 DNA (ISO 14443-4) mirroring a SUN message made with this AES-128 key
  --counter <n>    its SDMReadCtr before this tap (default 0; the tap reads n+1)
  --encrypted      mirror encrypted PICCData (e=) instead of the plain UID and counter (u=, c=)`;

export type CardSpec =
  | { kind: 'ntag215'; token?: string; url?: string }
  | { kind: 'ntag424'; key: string; counter: number; encrypted: boolean };

export interface TapCommand {
  command: 'tap';
  uid: string;
  holdMs: number;
  host: string;
  port: number;
  /** Absent: a UID-only card. */
  card?: CardSpec;
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
  ntag215: { type: 'boolean' },
  token: { type: 'string' },
  url: { type: 'string' },
  sun: { type: 'string' },
  counter: { type: 'string' },
  encrypted: { type: 'boolean' },
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
  const card = parseCardSpec(values, cardUid.data);
  if (typeof card === 'string') return { ok: false, error: card };
  return {
    ok: true,
    value: { command: 'tap', uid: cardUid.data, holdMs, host, port, ...(card ? { card } : {}) },
  };
}

function parseCardSpec(
  values: ReturnType<typeof parseRaw>['values'],
  uid: string,
): CardSpec | string | undefined {
  const wants215 = values.ntag215 || values.token !== undefined || values.url !== undefined;
  if (wants215 && values.sun !== undefined)
    return '--sun (NTAG 424 DNA) cannot be combined with NTAG215 options';
  if (!values.sun && (values.counter !== undefined || values.encrypted))
    return '--counter and --encrypted need --sun';
  if ((wants215 || values.sun) && uid.length !== 14) return 'NTAG215 and NTAG 424 DNA cards have 7-byte UIDs';
  if (wants215) {
    if (values.token !== undefined && values.url !== undefined) return 'give --token or --url, not both';
    if (values.token !== undefined && !CardToken.safeParse(values.token).success)
      return `--token "${values.token}" is not a BG1 card token`;
    if (values.url !== undefined && !/^https?:\/\/\S+$/.test(values.url))
      return '--url must be an http(s) URL';
    return {
      kind: 'ntag215',
      ...(values.token !== undefined ? { token: values.token } : {}),
      ...(values.url !== undefined ? { url: values.url } : {}),
    };
  }
  if (values.sun !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(values.sun)) return '--sun must be an AES-128 key, 32 hex digits';
    const counter = values.counter === undefined ? 0 : Number(values.counter);
    if (!Number.isInteger(counter) || counter < 0 || counter >= 0xffffff)
      return '--counter must be 0 to 16777214';
    return { kind: 'ntag424', key: values.sun.toUpperCase(), counter, encrypted: Boolean(values.encrypted) };
  }
  return undefined;
}

function behaviourOf(card: CardSpec | undefined) {
  if (!card) return undefined;
  if (card.kind === 'ntag215') {
    const message = card.token
      ? tokenNdefMessage(card.token)
      : card.url
        ? uriNdefMessage(card.url)
        : undefined;
    return (uid: Buffer) => ntag215Card(uid, message);
  }
  return (uid: Buffer) =>
    ntag424Card(uid, { key: Buffer.from(card.key, 'hex'), counter: card.counter, encrypted: card.encrypted });
}

async function tap(cmd: TapCommand): Promise<number> {
  const started = Date.now();
  const behaviour = behaviourOf(cmd.card);
  const card = await VirtualCard.present(cmd.uid, {
    host: cmd.host,
    port: cmd.port,
    ...(behaviour ? { behaviour } : {}),
  });
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
  const chip = card.card as { messages?: string[] };
  for (const url of chip.messages ?? []) console.log(`SUN message read: ${url}`);
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
