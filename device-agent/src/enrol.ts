#!/usr/bin/env node
import { mkdir, open, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError, EnrolmentCode, EnrolResponse } from '@bashgah/protocol';
import { AGENT_VERSION } from './version.js';

export const ENROL_USAGE = `Usage: bashgah-agent enrol --server <http(s)://server> --code <XXXX-XXXX-XXXX-XXXX> [--out <file>]

Exchanges a one-time enrolment code (from the operator console) for this kiosk's own MQTT
credentials and settings, and writes them as an environment file (mode 0600) for the agent:
  DEVICE_ID, MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD[, MQTT_CA_FILE, SESSION_IDLE_MS]
The CA certificate, when the server sends one, is written beside it as mqtt-ca.pem.

Options:
  --server   base URL of the Bashgah server's HTTP API, e.g. https://club.example.com
  --code     the enrolment code; it works once and expires (ask an operator for a new one)
  --out      where to write the environment file (default /etc/bashgah/agent.env)

Run the agent with it:  node --env-file=/etc/bashgah/agent.env device-agent/dist/main.js
(or EnvironmentFile=/etc/bashgah/agent.env in its systemd unit).

Exit codes: 0 enrolled, 2 usage error, 3 code refused, 4 server unreachable or failed.`;

export const DEFAULT_ENV_FILE = '/etc/bashgah/agent.env';

export class EnrolError extends Error {
  override name = 'EnrolError';
  constructor(
    message: string,
    readonly exitCode: 2 | 3 | 4,
  ) {
    super(message);
  }
}

export interface EnrolOptions {
  server: string;
  code: string;
  out: string;
  fetch?: typeof fetch;
}

/** Writes `text` so that no other user can ever read it, even for a moment, then renames it in place. */
async function writePrivate(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.chmod(0o600);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

/** Renders the env file; every value is checked to be one line without quotes or `#`. */
export function renderEnvFile(r: EnrolResponse, caFile: string | undefined, at = new Date()): string {
  const vars: Array<[string, string]> = [
    ['DEVICE_ID', r.deviceId],
    ['MQTT_URL', r.mqtt.url],
    ['MQTT_USERNAME', r.mqtt.username],
    ['MQTT_PASSWORD', r.mqtt.password],
  ];
  if (caFile) vars.push(['MQTT_CA_FILE', caFile]);
  if (r.settings.sessionIdleMs) vars.push(['SESSION_IDLE_MS', String(r.settings.sessionIdleMs)]);
  for (const [k, v] of vars) {
    if (!/^[^\s"'#\\]+$/.test(v))
      throw new EnrolError(`server sent an unusable ${k}: ${JSON.stringify(v)}`, 4);
  }
  return [
    `# Written by bashgah-agent enrol at ${at.toISOString()}. Private: this file holds the kiosk's MQTT password.`,
    ...vars.map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}

/** Calls `POST /api/enrol` and writes the env file. Returns the enrolment for the caller to report. */
export async function enrol(
  opts: EnrolOptions,
): Promise<{ response: EnrolResponse; out: string; caFile?: string }> {
  const code = EnrolmentCode.safeParse(opts.code);
  if (!code.success) throw new EnrolError(`--code: ${code.error.issues[0]?.message}`, 2);
  let base: URL;
  try {
    base = new URL(opts.server);
    if (!/^https?:$/.test(base.protocol)) throw new Error('not http');
  } catch {
    throw new EnrolError(
      `--server must be an http:// or https:// URL, got ${JSON.stringify(opts.server)}`,
      2,
    );
  }
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(new URL('/api/enrol', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code: code.data,
        agentVersion: AGENT_VERSION,
        hostname: hostname().slice(0, 120),
      }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    throw new EnrolError(`cannot reach ${base.origin}: ${(error as Error).message}`, 4);
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = ApiError.safeParse(json);
    const why = err.success ? err.data.error.message : `HTTP ${res.status}`;
    throw new EnrolError(`enrolment refused: ${why}`, res.status === 403 || res.status === 400 ? 3 : 4);
  }
  const parsed = EnrolResponse.safeParse(json);
  if (!parsed.success) throw new EnrolError('the server answered with something that is not an enrolment', 4);
  const out = resolve(opts.out);
  let caFile: string | undefined;
  if (parsed.data.mqtt.caPem) {
    caFile = join(dirname(out), 'mqtt-ca.pem');
    await writePrivate(caFile, parsed.data.mqtt.caPem);
  }
  await writePrivate(out, renderEnvFile(parsed.data, caFile));
  return { response: parsed.data, out, ...(caFile ? { caFile } : {}) };
}

/** CLI entry: `args` are the words after `enrol`. Returns the process exit code. */
export async function enrolCli(args: string[]): Promise<number> {
  let values: { server?: string; code?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        server: { type: 'string' },
        code: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`bashgah-agent enrol: ${(error as Error).message}\n\n${ENROL_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${ENROL_USAGE}\n`);
    return 0;
  }
  if (!values.server || !values.code) {
    process.stderr.write(`bashgah-agent enrol: --server and --code are required\n\n${ENROL_USAGE}\n`);
    return 2;
  }
  try {
    const r = await enrol({ server: values.server, code: values.code, out: values.out ?? DEFAULT_ENV_FILE });
    process.stdout.write(
      `enrolled as ${r.response.deviceId}; broker ${r.response.mqtt.url}; credentials written to ${r.out} (mode 0600)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof EnrolError) {
      process.stderr.write(`bashgah-agent enrol: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`bashgah-agent enrol: ${(error as Error).message}\n`);
    return 4;
  }
}

// Run directly: `node device-agent/dist/enrol.js --server ... --code ...`.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  void enrolCli(process.argv.slice(2)).then((code) => process.exit(code));
}
