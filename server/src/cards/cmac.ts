import { createCipheriv } from 'node:crypto';

/**
 * AES-128-CMAC (NIST SP 800-38B, RFC 4493) on node:crypto's AES, which has no CMAC of its own.
 * Used for NTAG 424 DNA SUN verification (sun.ts) and per-card key diversification.
 */

const BLOCK = 16;

function aesEcb(key: Uint8Array, block: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/** Left shift by one bit; XOR 0x87 into the last byte when the top bit fell off (the subkey step). */
function dbl(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | ((block[i + 1] ?? 0) >> 7)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  if (key.byteLength !== BLOCK)
    throw new RangeError(`AES-128-CMAC needs a 16-byte key, got ${key.byteLength}`);
  const k1 = dbl(aesEcb(key, Buffer.alloc(BLOCK)));
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(message.byteLength / BLOCK));
  const complete = message.byteLength > 0 && message.byteLength % BLOCK === 0;
  const last = Buffer.alloc(BLOCK);
  const tail = message.subarray((blocks - 1) * BLOCK);
  last.set(tail);
  if (!complete) last[tail.byteLength] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i]! ^= subkey[i]!;
  let x: Buffer = Buffer.alloc(BLOCK);
  for (let b = 0; b < blocks - 1; b++) {
    const y = Buffer.from(message.subarray(b * BLOCK, (b + 1) * BLOCK));
    for (let i = 0; i < BLOCK; i++) y[i]! ^= x[i]!;
    x = aesEcb(key, y);
  }
  for (let i = 0; i < BLOCK; i++) last[i]! ^= x[i]!;
  return aesEcb(key, last);
}
