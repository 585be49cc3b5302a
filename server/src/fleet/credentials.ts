import { createHash, pbkdf2, pbkdf2Sync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Device MQTT passwords. They are 256-bit random strings, so the hash only has to be one-way, not
 * slow: brute force is hopeless at any cost. The format is Mosquitto's own `$7$` (PBKDF2-SHA512),
 * so one stored hash serves the embedded broker and a generated Mosquitto password file alike.
 */
export const DEVICE_HASH_ITERATIONS = 1000;

export function newDevicePassword(): string {
  return randomBytes(32).toString('base64url');
}

export function hashMosquittoPassword(password: string, iterations = DEVICE_HASH_ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Async so a fleet reconnecting at once does not stall the event loop on hashing. */
export async function verifyMosquittoPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  // ['', '7', iterations, salt, hash]
  if (parts.length !== 5 || parts[1] !== '7') return false;
  const iterations = Number(parts[2]);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) return false;
  const expected = Buffer.from(parts[4]!, 'base64');
  if (expected.length !== 64) return false;
  const actual = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password, Buffer.from(parts[3]!, 'base64'), iterations, 64, 'sha512', (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  return timingSafeEqual(actual, expected);
}

/** No 0/O, 1/I/L: codes are read off a screen and typed on a kiosk's keyboard. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** ABCD-EFGH-JKLM-NPQR: 16 characters of a 31-letter alphabet, about 79 bits. */
export function newEnrolmentCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = '';
    for (let i = 0; i < 4; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/** Codes and session tokens are high-entropy, so a plain SHA-256 is the right stored form. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
