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

const SEGMENT_CASE = `CASE
  WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
  WHEN r >= 3 AND f >= 4 THEN 'loyal'
  WHEN r <= 2 AND f >= 4 THEN 'cannot-lose'
  WHEN r <= 2 AND f = 3 THEN 'at-risk'
  WHEN r = 5 AND f = 1 THEN 'new'
  WHEN r >= 4 AND f >= 2 THEN 'potential-loyalist'
  WHEN r = 4 THEN 'promising'
  WHEN r = 3 THEN 'need-attention'
  WHEN r = 2 THEN 'hibernating'
  ELSE 'lost' END`;

/**
 * Scores every member and writes the scores into member_stats (one statement each for scoring and
 * for clearing, in one transaction). Members who bought before the window but not in it are
 * 'lost'; members who never bought have no segment.
 */
export async function computeRfm(
  db: Queryable,
  opts: { now: Date; windowDays: number },
): Promise<{ scored: number }> {
  const since = new Date(opts.now.getTime() - opts.windowDays * 86_400_000).toISOString();
  const at = opts.now.toISOString();
  return db.transaction(async () => {
    await db.run(
      `UPDATE member_stats SET rfm_r = NULL, rfm_f = NULL, rfm_m = NULL, churn_risk = NULL, rfm_at = ?,
         rfm_segment = CASE WHEN purchases > 0 THEN 'lost' ELSE NULL END`,
      [at],
    );
    const r = await db.run(
      `WITH base AS (
         SELECT member_id, count(*) AS freq, sum(amount_minor - refunded_minor) AS money, max(created_at) AS last
         FROM purchases WHERE created_at >= ? AND created_at <= ? GROUP BY member_id
       ), n AS (SELECT count(*) AS n FROM base),
       ranked AS (
         SELECT member_id, freq, last,
           rank() OVER (ORDER BY last) AS rr, rank() OVER (ORDER BY freq) AS fr, rank() OVER (ORDER BY money) AS mr
         FROM base
       ), scored AS (
         SELECT member_id, last, freq,
           1 + (5 * (rr - 1)) / n AS r, 1 + (5 * (fr - 1)) / n AS f, 1 + (5 * (mr - 1)) / n AS m
         FROM ranked, n
       ), segmented AS (SELECT *, ${SEGMENT_CASE} AS segment FROM scored)
       UPDATE member_stats SET rfm_r = s.r, rfm_f = s.f, rfm_m = s.m, rfm_segment = s.segment,
         churn_risk = round(min(1.0, (julianday(?) - julianday(s.last)) / (3.0 * ? / s.freq)), 4)
       FROM segmented s WHERE s.member_id = member_stats.member_id`,
      [since, at, at, opts.windowDays],
    );
    return { scored: r.changes };
  });
}

export async function rfmSummary(db: Queryable) {
  return db.all<{ segment: string; members: number; avgChurnRisk: number | null; spendMinor: number }>(
    `SELECT coalesce(rfm_segment, 'none') AS segment, count(*) AS members, round(avg(churn_risk), 3) AS avgChurnRisk,
       sum(spend_minor) AS spendMinor FROM member_stats GROUP BY 1 ORDER BY members DESC`,
  );
}
