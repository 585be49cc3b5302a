/**
 * Code 128 (code set B) as module widths, for drawing the barcode into the raster. The text path
 * uses the printer's own GS k instead. Each pattern alternates bar, space, bar... in modules.
 */
const PATTERNS = [
  '212222',
  '222122',
  '222221',
  '121223',
  '121322',
  '131222',
  '122213',
  '122312',
  '132212',
  '221213',
  '221312',
  '231212',
  '112232',
  '122132',
  '122231',
  '113222',
  '123122',
  '123221',
  '223211',
  '221132',
  '221231',
  '213212',
  '223112',
  '312131',
  '311222',
  '321122',
  '321221',
  '312212',
  '322112',
  '322211',
  '212123',
  '212321',
  '232121',
  '111323',
  '131123',
  '131321',
  '112313',
  '132113',
  '132311',
  '211313',
  '231113',
  '231311',
  '112133',
  '112331',
  '132131',
  '113123',
  '113321',
  '133121',
  '313121',
  '211331',
  '231131',
  '213113',
  '213311',
  '213131',
  '311123',
  '311321',
  '331121',
  '312113',
  '312311',
  '332111',
  '314111',
  '221411',
  '431111',
  '111224',
  '111422',
  '121124',
  '121421',
  '141122',
  '141221',
  '112214',
  '112412',
  '122114',
  '122411',
  '142112',
  '142211',
  '241211',
  '221114',
  '413111',
  '241112',
  '134111',
  '111242',
  '121142',
  '121241',
  '114212',
  '124112',
  '124211',
  '411212',
  '421112',
  '421211',
  '212141',
  '214121',
  '412121',
  '111143',
  '111341',
  '131141',
  '114113',
  '114311',
  '411113',
  '411311',
  '113141',
  '114131',
  '311141',
  '411131',
  '211412',
  '211214',
  '211232',
  '2331112',
];
const START_B = 104;
const STOP = 106;

/** Symbol values for `data` in code set B (start, data, checksum, stop). */
export function code128Symbols(data: string): number[] {
  const values = [...data].map((ch) => {
    const c = ch.charCodeAt(0);
    if (c < 32 || c > 127) {
      throw new RangeError(
        `"${ch}" cannot be encoded in Code 128 set B; voucher codes must be printable ASCII`,
      );
    }
    return c - 32;
  });
  const checksum = values.reduce((sum, v, i) => sum + v * (i + 1), START_B) % 103;
  return [START_B, ...values, checksum, STOP];
}

/** Alternating bar/space widths in modules, starting with a bar. */
export function code128Modules(data: string): number[] {
  return code128Symbols(data).flatMap((s) => [...PATTERNS[s]!].map(Number));
}

export const CODE128_PATTERNS: readonly string[] = PATTERNS;
