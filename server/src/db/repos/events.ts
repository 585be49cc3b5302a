import type { Queryable } from '../sqlite.js';

export type ProcessedStatus = 'applied' | 'rejected';

export interface ProcessedEvent {
  eventId: string;
  deviceId: string;
  type: string;
  status: ProcessedStatus;
  processedAt: string;
  result: Record<string, unknown>;
}

interface Row {
  event_id: string;
  device_id: string;
  type: string;
  status: ProcessedStatus;
  processed_at: string;
  result: string;
}

export async function findProcessedEvent(
  db: Queryable,
  eventId: string,
): Promise<ProcessedEvent | undefined> {
  const row = await db.get<Row>('SELECT * FROM processed_events WHERE event_id = ?', [eventId]);
  if (!row) return undefined;
  return {
    eventId: row.event_id,
    deviceId: row.device_id,
    type: row.type,
    status: row.status,
    processedAt: row.processed_at,
    result: JSON.parse(row.result) as Record<string, unknown>,
  };
}

export async function recordProcessedEvent(db: Queryable, e: ProcessedEvent): Promise<void> {
  await db.run(
    `INSERT INTO processed_events (event_id, device_id, type, status, processed_at, result)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [e.eventId, e.deviceId, e.type, e.status, e.processedAt, JSON.stringify(e.result)],
  );
}
