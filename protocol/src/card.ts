import { z } from 'zod';

/**
 * An NFC card UID as uppercase hex: 4, 7 or 10 bytes (ISO 14443-3 single, double, triple size).
 * Anything else is not a club card and is rejected at the boundary, whatever the reader said.
 */
export const CardUid = z
  .string()
  .trim()
  .transform((s) => s.replace(/[\s:]/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$/,
        'card UID must be 4, 7 or 10 bytes of hex, e.g. 04A1B2C3D4E5F6',
      ),
  );
export type CardUid = z.output<typeof CardUid>;
