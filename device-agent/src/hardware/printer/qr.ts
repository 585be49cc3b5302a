import qrcode from 'qrcode-generator';

/** A QR symbol as a square of dark/light modules; error correction M survives thermal smudges. */
export interface QrMatrix {
  size: number;
  isDark(row: number, col: number): boolean;
}

export function qrMatrix(data: string): QrMatrix {
  const qr = qrcode(0, 'M');
  qr.addData(data, 'Byte');
  qr.make();
  return { size: qr.getModuleCount(), isDark: (r, c) => qr.isDark(r, c) };
}
