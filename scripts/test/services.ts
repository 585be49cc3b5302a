/**
 * Whether a machine service a cross-process test needs is here. In CI (CI=true) a test must run
 * and fail when its service is missing; elsewhere it is skipped with the reason printed, so a
 * laptop without Mosquitto or Chromium can still run the rest.
 */
import { existsSync } from 'node:fs';
import { canConnect } from '../src/lib/net.js';

export const inCi = process.env.CI === 'true';
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

export const tcpAnswers = (host: string, port: number, timeoutMs = 1_000) =>
  canConnect({ host, port }, timeoutMs);

export async function mosquittoMissing(): Promise<string | undefined> {
  return (await tcpAnswers('127.0.0.1', 1883))
    ? undefined
    : 'no MQTT broker answers on 127.0.0.1:1883 (apt-get install mosquitto)';
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;
}

/** Logs why a suite is skipped outside CI; returns true when it should run. */
export function shouldRun(suite: string, missing: string | undefined): boolean {
  if (missing === undefined || inCi) return true;
  console.log(`[${suite}] skipped: ${missing}`);
  return false;
}
