import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Vazirmatn TTFs shipped in the `vazirmatn` npm package. Rendering uses only these files,
 * never system fonts, so a receipt looks the same on the Pi, in CI and on a developer's laptop.
 */
export interface ReceiptFonts {
  family: string;
  files: string[];
}

export function vazirmatnFonts(): ReceiptFonts {
  const dir = join(dirname(createRequire(import.meta.url).resolve('vazirmatn/package.json')), 'fonts', 'ttf');
  return {
    family: 'Vazirmatn',
    files: [join(dir, 'Vazirmatn-Regular.ttf'), join(dir, 'Vazirmatn-Bold.ttf')],
  };
}
