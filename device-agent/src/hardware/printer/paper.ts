/** Printable width in dots at 203 dpi: 58 mm rolls print 48 mm, 80 mm rolls print 72 mm. */
export type PaperWidthMm = 58 | 80;

export const DOTS: Record<PaperWidthMm, number> = { 58: 384, 80: 576 };

/** Columns of the printer's 12x24 font A, for the text renderer's wrapping. */
export const COLUMNS: Record<PaperWidthMm, number> = { 58: 32, 80: 48 };
