import type {
  ApiError,
  CheckinResponse,
  ClaimResponse,
  KioskEvent,
  KioskSession,
  KioskState,
  MemberView,
  QueuedResponse,
  SignupResponse,
  StaffPrintResponse,
  StaffState,
} from '@bashgah/protocol';

/**
 * Hand-written checks of the few agent payloads the kiosk reads, mirroring the protocol's zod
 * schemas (device-api.ts, member-view.ts). zod alone would add ~15 KB gzipped to the kiosk's first
 * load on a Raspberry Pi; these are a few hundred bytes. guards.test.ts holds them to the schemas.
 *
 * A check throws a `TypeError` naming the path of the first field that is off-contract.
 */

type Check = (v: unknown, path: string) => void;

function fail(path: string, want: string): never {
  throw new TypeError(`${path || 'value'}: expected ${want}`);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str =
  (min = 0, max = Infinity, re?: RegExp): Check =>
  (v, p) => {
    if (typeof v !== 'string' || v.length < min || v.length > max || (re && !re.test(v))) fail(p, 'string');
  };
const anyStr = str();
const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'boolean');
};
/** An integer, at least `min`. */
const int =
  (min = -Infinity): Check =>
  (v, p) => {
    if (!Number.isSafeInteger(v) || (v as number) < min) fail(p, `integer >= ${min}`);
  };
const anyInt = int();
const nonneg = int(0);
const pos = int(1);
const oneOf =
  (...values: readonly unknown[]): Check =>
  (v, p) => {
    if (!values.includes(v)) fail(p, values.join('|'));
  };
const opt =
  (c: Check): Check =>
  (v, p) => {
    if (v !== undefined) c(v, p);
  };
const nullable =
  (c: Check): Check =>
  (v, p) => {
    if (v !== null) c(v, p);
  };
const arr =
  (c: Check, max: number): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length > max) fail(p, `array (max ${max})`);
    for (let i = 0; i < v.length; i++) c(v[i], `${p}[${i}]`);
  };
const obj =
  (shape: Record<string, Check>): Check =>
  (v, p) => {
    if (!isObj(v)) fail(p, 'object');
    for (const k in shape) shape[k]?.(v[k], p ? `${p}.${k}` : k);
  };
/** A discriminated union on `key`: picks the member's shape, so the error names the right field. */
const union =
  (key: string, shapes: Record<string, Record<string, Check>>): Check =>
  (v, p) => {
    const shape = isObj(v) && typeof v[key] === 'string' ? shapes[v[key]] : undefined;
    if (!shape) fail(p ? `${p}.${key}` : key, Object.keys(shapes).join('|'));
    obj(shape)(v, p);
  };

// UTC ISO 8601 with seconds, as zod's `z.iso.datetime()` accepts.
const datetime = str(0, Infinity, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const cardUid = str(8, 20, /^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$/);
const memberId = str(1, 64);
const tier = oneOf('bronze', 'silver', 'gold', 'platinum');
const bilingual = obj({ fa: str(1, 80), en: str(1, 80) });
const status = oneOf('queued', 'applied', 'duplicate', 'rejected');
const rewardOffer = obj({ id: str(1, 40), name: bilingual, pointsCost: pos, pointsShort: nonneg });

const shortId = str(1, 40, /^[a-z0-9][a-z0-9-]{0,39}$/);
const bilingual120 = obj({ fa: str(1, 120), en: str(1, 120) });
const surveyOffer = obj({
  id: shortId,
  question: bilingual120,
  reasons: arr(obj({ id: shortId, label: bilingual120 }), 8),
  points: nonneg,
});
const activity = obj({
  at: datetime,
  kind: oneOf(
    'visit',
    'purchase',
    'reward',
    'refund',
    'welcome',
    'birthday',
    'survey',
    'referral',
    'expire',
    'adjust',
    'other',
  ),
  points: anyInt,
});
const staffId = str(1, 32, /^[a-z0-9][a-z0-9-]{0,31}$/);
const staffState = union('phase', {
  closed: {},
  pin: { staffId, attemptsLeft: nonneg, lockedUntil: opt(datetime), closesAt: datetime },
  open: { staffId, closesAt: datetime, awaitingCard: bool },
});

const memberView = obj({
  id: memberId,
  number: pos,
  displayName: str(1, 80),
  points: anyInt,
  tier,
  cardUid,
  checkinPointsAvailable: nonneg,
  asOf: datetime,
  maskedPhone: nullable(str(0, 20)),
  pointsPending: nonneg,
  tierProgress: obj({
    measure: oneOf('points', 'spend'),
    current: nonneg,
    nextTier: nullable(tier),
    remaining: nonneg,
    windowDays: pos,
  }),
  expiringSoon: obj({ points: nonneg, firstExpiresAt: nullable(datetime), withinDays: pos }),
  rewards: obj({ affordable: arr(rewardOffer, 10), next: nullable(rewardOffer) }),
  punchCards: arr(obj({ id: str(1, 40), name: bilingual, stamps: nonneg, required: pos }), 20),
  lastActivityAt: nullable(datetime),
  recentActivity: opt(arr(activity, 5)),
  survey: opt(nullable(surveyOffer)),
  voucherBySms: opt(bool),
});

const session = union('kind', {
  idle: {},
  member: { member: memberView, source: oneOf('cache', 'server'), tappedAt: datetime },
  'unknown-card': { cardUid, tappedAt: datetime, rejected: opt(str(1, 64)) },
});

const kioskState = obj({
  deviceId: anyStr,
  online: bool,
  reader: oneOf('ready', 'no-reader', 'unavailable', 'simulated'),
  outboxDepth: nonneg,
  session,
  maintenance: opt(bool),
  maintenanceMessage: opt(obj({ fa: opt(anyStr), en: opt(anyStr) })),
  printer: opt(
    obj({
      state: oneOf('ready', 'paper-out', 'cover-open', 'offline', 'none'),
      paperLow: bool,
      failedJobs: nonneg,
    }),
  ),
  staff: opt(staffState),
});

const kioskEvent = union('type', {
  state: { state: kioskState },
  session: { session },
  checkin: { eventId: anyStr, status, pointsAwarded: opt(anyInt), balance: opt(anyInt) },
  claim: {
    eventId: anyStr,
    rewardId: anyStr,
    status,
    code: opt(anyStr),
    pointsSpent: opt(anyInt),
    balance: opt(anyInt),
    voucher: opt(obj({ code: str(0, 32), rewardId: anyStr, expiresAt: datetime })),
    print: opt(oneOf('printing', 'printed', 'failed', 'no-printer')),
  },
  reload: {},
  action: {
    action: oneOf('survey', 'staff.purchase', 'staff.card'),
    eventId: anyStr,
    status,
    code: opt(anyStr),
    pointsAwarded: opt(anyInt),
    balance: opt(anyInt),
    cardUid: opt(cardUid),
  },
  staff: { staff: staffState },
});

const guard =
  <T>(c: Check) =>
  (v: unknown): T => {
    c(v, '');
    return v as T;
  };

export const parseMemberView = guard<MemberView>(memberView);
export const parseKioskSession = guard<KioskSession>(session);
export const parseKioskState = guard<KioskState>(kioskState);
export const parseKioskEvent = guard<KioskEvent>(kioskEvent);
export const parseCheckinResponse = guard<CheckinResponse>(obj({ eventId: anyStr, status: oneOf('queued') }));
export const parseClaimResponse = guard<ClaimResponse>(
  obj({ eventId: anyStr, status: oneOf('queued'), pointsCost: pos, balanceAfter: anyInt }),
);
export const parseSignupResponse = guard<SignupResponse>(
  obj({ memberId, number: pos, welcomePoints: nonneg, cardUid: opt(cardUid), printed: opt(bool) }),
);
export const parseApiError = guard<ApiError>(obj({ error: obj({ code: anyStr, message: anyStr }) }));
export const parseStaffState = guard<StaffState>(staffState);
export const parseQueuedResponse = guard<QueuedResponse>(obj({ eventId: anyStr, status: oneOf('queued') }));
export const parseStaffPrintResponse = guard<StaffPrintResponse>(
  obj({ print: oneOf('printed', 'failed', 'no-printer', 'nothing') }),
);
