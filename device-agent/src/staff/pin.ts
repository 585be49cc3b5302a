import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Staff PINs are stored only as scrypt hashes (`scrypt.<salt>.<hash>`, base64url), so the agent's
 * environment file or a copied SD card does not give the PINs away. N = 2^14 costs ~50 ms on a
 * Raspberry Pi 4: nothing for one staff login, a lot for guessing offline. The separators are `.`
 * because `$` would be expanded by a shell that sources the environment file.
 */
const PARAMS = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
export const PIN_HASH_PATTERN = /^scrypt\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{40,64}$/;

export async function hashPin(pin: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await scrypt(pin, salt, KEY_BYTES, PARAMS);
  return `scrypt.${salt.toString('base64url')}.${key.toString('base64url')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [, salt = '', hash = ''] = stored.split('.');
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(pin, Buffer.from(salt, 'base64url'), expected.length || KEY_BYTES, PARAMS);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * `bashgah-agent staff-pin UID NAME`: reads the PIN from stdin (not the command line, which lands
 * in shell history and `ps`) and prints the STAFF_CARDS entry to add to the agent's environment.
 */
export async function staffPinCli(
  args: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const [uid = '', name = ''] = args;
  if (!/^[0-9A-Fa-f]{8,20}$/.test(uid) || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) {
    process.stderr.write(
      'usage: bashgah-agent staff-pin <CARD-UID-HEX> <staff-name>   (the PIN, 4-8 digits, is read from stdin)\n' +
        '  e.g. echo 4821 | bashgah-agent staff-pin 04AABBCCDDEEFF ali\n',
    );
    return 2;
  }
  let input = '';
  for await (const chunk of stdin) input += chunk.toString();
  const pin = input.trim();
  if (!/^\d{4,8}$/.test(pin)) {
    process.stderr.write('the PIN must be 4-8 digits; type it on stdin\n');
    return 2;
  }
  process.stdout.write(`${uid.toUpperCase()}:${name}:${await hashPin(pin)}\n`);
  process.stderr.write('add this entry to STAFF_CARDS (comma-separated) in the agent environment\n');
  return 0;
}
