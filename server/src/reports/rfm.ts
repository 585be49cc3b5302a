import type { RfmSegment } from '../console/segments.js';
import type { Queryable } from '../db/sqlite.js';

/**
 * RFM: for members who bought in the window, Recency (days since the last purchase), Frequency
 * (purchases) and Monetary (net spend) are each scored 1-5 by rank among those members: score =
 * 1 + floor(5 × (rank − 1) / n) with ties sharing the lower rank, so equal behaviour always gets
 * an equal score (NTILE would split ties arbitrarily). Recency ranks the most recent highest.
 *
 * Churn risk is how overdue a member is against their own rhythm: days since the last purchase
 * divided by three times their average gap (window / purchases), capped at 1. A member buying
 * weekly who has not come for three weeks is at 1.0; one buying twice a year, after 60 days, ~0.17.
 */
export function segmentOf(r: number, f: number, m: number): RfmSegment {
  if (r >= 4 && f >= 4 && m >= 4) return 'champions';
  if (r >= 3 && f >= 4) return 'loyal';
  if (r <= 2 && f >= 4) return 'cannot-lose';
  if (r <= 2 && f === 3) return 'at-risk';
  if (r === 5 && f === 1) return 'new';
  if (r >= 4 && f >= 2) return 'potential-loyalist';
  if (r === 4) return 'promising';
  if (r === 3) return 'need-attention';
  if (r === 2) return 'hibernating';
  return 'lost';
}

export interface RfmRun {
  /** Members who bought in the window and got scores. */
  scored: number;
  /** Member ranges processed; each read and each write is its own short statement or transaction. */
  batches: number;
  /** The longest single statement or transaction the run held the database for, in ms. */
  longestBlockMs: number;
}

const running = new WeakMap<Queryable, Promise<unknown>>();
const DAY_MS = 86_400_000;

/**
 * Scores every member and writes the scores into member_stats. Members who bought before the
 * window but not in it are 'lost'; members who never bought have no segment.
 *
 * In batches of members (by id), so other writes interleave instead of waiting for one long
 * statement (~20 s at a million members): a first pass reads each batch's recency, frequency and
 * money and keeps only the numbers, from which the score thresholds follow (score = 1 + the number
 * of quintile thresholds a value is above: that equals 1 + floor(5 × (rank − 1) / n)); a second
 * pass reads each batch again and writes its scores in one short transaction, so a member never
 * shows cleared between their old and new scores. A purchase made between the passes is scored
 * against thresholds from the first, which moves nothing that matters for a nightly job.
 */
export async function computeRfm(
  db: Queryable,
  opts: { now: Date; windowDays: number; batchSize?: number },
): Promise<RfmRun> {
  // One run at a time per database (the nightly job and the console's button can meet).
  const before = running.get(db) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => computeRfmNow(db, opts));
  running.set(db, run);
  try {
    return await run;
  } finally {
    if (running.get(db) === run) running.delete(db);
  }
}

async function computeRfmNow(
  db: Queryable,
  opts: { now: Date; windowDays: number; batchSize?: number },
): Promise<RfmRun> {
  const batch = opts.batchSize ?? 1000;
  const since = new Date(opts.now.getTime() - opts.windowDays * DAY_MS).toISOString();
  const at = opts.now.toISOString();
  let longest = 0;
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      longest = Math.max(longest, performance.now() - t0);
      // Let queued work (purchases, taps) run before the next batch.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  type Base = { member_id: string; last: string; freq: number; money: number };
  const readBatch = (lo: string, hi: string | undefined) =>
    timed(() =>
      db.all<Base>(
        `SELECT member_id, max(created_at) AS last, count(*) AS freq, sum(amount_minor - refunded_minor) AS money
         FROM purchases WHERE member_id > ?${hi === undefined ? '' : ' AND member_id <= ?'} AND created_at >= ? AND created_at <= ?
         GROUP BY member_id`,
        hi === undefined ? [lo, since, at] : [lo, hi, since, at],
      ),
    );

  // Batch bounds over every member: (bounds[i-1], bounds[i]], the last one open-ended.
  const bounds: string[] = [];
  for (let lo = ''; ; ) {
    const row = await timed(() =>
      db.get<{ member_id: string }>(
        'SELECT member_id FROM member_stats WHERE member_id > ? ORDER BY member_id LIMIT 1 OFFSET ?',
        [lo, batch - 1],
      ),
    );
    if (!row) break;
    bounds.push(row.member_id);
    lo = row.member_id;
  }
  const ranges = [...bounds, undefined].map((hi, i) => [i === 0 ? '' : bounds[i - 1]!, hi] as const);

  const lasts = new Grow();
  const freqs = new Grow();
  const moneys = new Grow();
  for (const [lo, hi] of ranges) {
    for (const b of await readBatch(lo, hi)) {
      lasts.push(Date.parse(b.last));
      freqs.push(b.freq);
      moneys.push(b.money);
    }
  }
  const n = lasts.length;
  const thresholds = (g: Grow) => {
    const sorted = g.sorted();
    // Quintile s (1..4) is passed by values above the ceil(s·n/5)-th smallest.
    return [1, 2, 3, 4].map((s) => sorted[Math.ceil((s * n) / 5) - 1]!);
  };
  const tR = n ? thresholds(lasts) : [];
  const tF = n ? thresholds(freqs) : [];
  const tM = n ? thresholds(moneys) : [];
  const score = (t: number[], v: number) => 1 + t.filter((x) => v > x).length;

  let scored = 0;
  for (const [lo, hi] of ranges) {
    const rows = await readBatch(lo, hi);
    const scores = rows.map((b) => {
      const r = score(tR, Date.parse(b.last));
      const f = score(tF, b.freq);
      const m = score(tM, b.money);
      const risk = Math.min(
        1,
        (opts.now.getTime() - Date.parse(b.last)) / DAY_MS / ((3 * opts.windowDays) / b.freq),
      );
      return [b.member_id, r, f, m, segmentOf(r, f, m), Math.round(risk * 10_000) / 10_000];
    });
    const inRange = hi === undefined ? 'member_id > ?' : 'member_id > ? AND member_id <= ?';
    const rangeArgs = hi === undefined ? [lo] : [lo, hi];
    await timed(() =>
      db.transaction(async () => {
        // Members of the batch not scored this time: cleared, touching only rows not already so.
        await db.run(
          `UPDATE member_stats SET rfm_r = NULL, rfm_f = NULL, rfm_m = NULL, churn_risk = NULL, rfm_at = ?,
             rfm_segment = CASE WHEN purchases > 0 THEN 'lost' ELSE NULL END
           WHERE ${inRange} AND member_id NOT IN (SELECT json_extract(value, '$[0]') FROM json_each(?))
             AND (rfm_r IS NOT NULL OR churn_risk IS NOT NULL OR rfm_segment IS NOT (CASE WHEN purchases > 0 THEN 'lost' END))`,
          [at, ...rangeArgs, JSON.stringify(scores)],
        );
        if (scores.length === 0) return;
        const r = await db.run(
          `UPDATE member_stats SET rfm_r = s.r, rfm_f = s.f, rfm_m = s.m, rfm_segment = s.segment, churn_risk = s.risk
           FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS r, json_extract(value, '$[2]') AS f,
                   json_extract(value, '$[3]') AS m, json_extract(value, '$[4]') AS segment, json_extract(value, '$[5]') AS risk
                 FROM json_each(?)) s
           WHERE member_stats.member_id = s.id`,
          [JSON.stringify(scores)],
        );
        scored += r.changes;
      }),
    );
  }
  return { scored, batches: ranges.length, longestBlockMs: Math.round(longest * 10) / 10 };
}

/** A growable Float64Array: a million numbers without a million boxed array slots. */
class Grow {
  #a = new Float64Array(1024);
  length = 0;
  push(v: number) {
    if (this.length === this.#a.length) {
      const b = new Float64Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.#a.slice(0, this.length).sort();
  }
}

export async function rfmSummary(db: Queryable) {
  return db.all<{ segment: string; members: number; avgChurnRisk: number | null; spendMinor: number }>(
    `SELECT coalesce(rfm_segment, 'none') AS segment, count(*) AS members, round(avg(churn_risk), 3) AS avgChurnRisk,
       sum(spend_minor) AS spendMinor FROM member_stats GROUP BY 1 ORDER BY members DESC`,
  );
}
