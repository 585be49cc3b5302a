import type { Queryable } from '../db/sqlite.js';

/**
 * One event a device sent, as the console's device page lists it: what it was, when the server
 * applied it, and the outcome. Only a summary of the result: a voucher's signed token stays out
 * of the console.
 */
export interface DeviceEventView {
  eventId: string;
  type: string;
  processedAt: string;
  status: 'applied' | 'rejected';
  pointsAwarded?: number;
  pointsSpent?: number;
  balance?: number;
  voucherCode?: string;
  reason?: string;
  code?: string;
}

interface Row {
  event_id: string;
  type: string;
  processed_at: string;
  status: 'applied' | 'rejected';
  result: string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export async function recentDeviceEvents(
  db: Queryable,
  deviceId: string,
  limit = 50,
): Promise<DeviceEventView[]> {
  const rows = await db.all<Row>(
    `SELECT event_id, type, processed_at, status, result FROM processed_events
     WHERE device_id = ? ORDER BY processed_at DESC, event_id DESC LIMIT ?`,
    [deviceId, limit],
  );
  return rows.map((r) => {
    const result = JSON.parse(r.result) as Record<string, unknown>;
    const voucher = result.voucher as { code?: unknown } | undefined;
    const view: DeviceEventView = {
      eventId: r.event_id,
      type: r.type,
      processedAt: r.processed_at,
      status: r.status,
    };
    const fields: Partial<DeviceEventView> = {
      pointsAwarded: num(result.pointsAwarded),
      pointsSpent: num(result.pointsSpent),
      balance: num(result.balance),
      voucherCode: str(voucher?.code),
      reason: str(result.reason),
      code: str(result.code),
    };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(view, { [k]: v });
    return view;
  });
}
