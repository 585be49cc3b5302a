import { ApiFailure, type ConsoleApi } from '../api.js';

export interface MemberRow {
  id: string;
  number: number;
  displayName: string;
  phone: string | null;
  tier: string;
  points: number;
  spendMinor: number;
  visits: number;
  lastVisitAt: string | null;
  rfmSegment: string | null;
}

export interface SegmentFilter {
  q?: string;
  tiers?: string[];
  minSpend?: number;
  minVisits?: number;
  lastVisitBefore?: string;
  lastVisitAfter?: string;
  rfm?: string[];
  store?: string;
  categories?: string[];
  reachable?: boolean;
}

export interface MemberDetail {
  member: {
    id: string;
    number: number;
    displayName: string;
    phone: string | null;
    phoneMasked: boolean;
    email: string | null;
    lang: string;
    tier: string;
    birthday: string | null;
    consentMarketing: boolean;
    optedOutAt: string | null;
    createdAt: string;
  };
  points: number;
  stats: {
    purchases: number;
    spendMinor: number;
    visits: number;
    lastVisitAt: string | null;
    segment: string | null;
    churnRisk: number | null;
  } | null;
  cards: Array<{ uid: string; status: string; issuedAt: string }>;
  ledger: Array<{ id: number; kind: string; points: number; cause: string; createdAt: string }>;
  vouchers: Array<{ code: string; rewardId: string; status: string; issuedAt: string; expiresAt: string }>;
  messages: Array<{
    id: number;
    kind: string;
    status: string;
    reason: string | null;
    createdAt: string;
    body: string;
  }>;
}

export interface Reward {
  id: string;
  name: { fa: string; en: string };
  pointsCost: number;
  stock: number | null;
  validFrom: string | null;
  validTo: string | null;
  minTier: string | null;
  perMemberLimit: number | null;
  active: boolean;
  image: string | null;
  issued: number;
  used: number;
}

export interface Campaign {
  id: number;
  name: string;
  status: string;
  action: { type: string };
  scheduledAt: string;
  reached: number;
  messages: Record<string, number>;
  redeemed: number;
  revenueMinor: number;
}

export interface Dashboard {
  enrolmentPerDay: Array<{ day: string; members: number }>;
  salesPerDay: Array<{ day: string; purchases: number; revenueMinor: number; refundedMinor: number }>;
  activeMembers: number;
  totalMembers: number;
  participationRate: number | null;
  redemption: { earned: number; redeemed: number; rate: number | null };
  liability: { points: number; valueMinor: number; expiring30d: number };
  basket: { memberAvgMinor: number | null; nonMemberAvgMinor: number | null };
  repeatPurchaseRate: number | null;
  referralRate: number | null;
  clv: { historicalAvgMinor: number | null; predictedMinor: number | null };
  kioskUsage: Array<{ deviceId: string; store: string | null; type: string; events: number }>;
}

// Rule configs are edited as plain objects and validated by the server.
export type Json = Record<string, unknown>;

/** The club half of the console API; shares the session and CSRF token of ConsoleApi. */
export class ClubApi {
  constructor(readonly base: ConsoleApi) {}

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = contentType;
    if (method !== 'GET') headers['x-csrf-token'] = this.base.csrfToken;
    const res = await fetch(`/api/console${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body:
        body === undefined
          ? undefined
          : contentType === 'application/json'
            ? JSON.stringify(body)
            : (body as BodyInit),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const err = (json as { error?: { code: string; message: string; details?: unknown } } | null)?.error;
      const failure = new ApiFailure(res.status, err?.code ?? 'http', err?.message ?? `HTTP ${res.status}`);
      Object.assign(failure, { details: err?.details });
      throw failure;
    }
    return json as T;
  }

  query(filter: SegmentFilter, segmentId?: number, after?: number) {
    return this.call<{ members: MemberRow[]; count: number; next?: number }>('POST', '/members/query', {
      filter,
      ...(segmentId ? { segmentId } : {}),
      ...(after ? { after } : {}),
    });
  }
  member(id: string, reveal = false) {
    return this.call<MemberDetail>(
      'GET',
      `/members/${encodeURIComponent(id)}${reveal ? '?reveal=phone' : ''}`,
    );
  }
  adjust(id: string, points: number, reason: string) {
    return this.call<{ balance: number }>('POST', `/members/${encodeURIComponent(id)}/adjust`, {
      points,
      reason,
    });
  }
  block(id: string, uid: string, reason: string) {
    return this.call('POST', `/members/${encodeURIComponent(id)}/cards/${uid}/block`, { reason });
  }
  replace(id: string, uid: string, newUid: string) {
    return this.call('POST', `/members/${encodeURIComponent(id)}/cards/${uid}/replace`, { newUid });
  }
  patchMember(id: string, patch: Json) {
    return this.call('PATCH', `/members/${encodeURIComponent(id)}`, patch);
  }
  importCsv(text: string) {
    return this.call<{ imported: number }>('POST', '/members-import', text, 'text/csv');
  }
  segments() {
    return this.call<{ segments: Array<{ id: number; name: string; filter: SegmentFilter }> }>(
      'GET',
      '/segments',
    );
  }
  saveSegment(name: string, filter: SegmentFilter) {
    return this.call<{ id: number; count: number }>('POST', '/segments', { name, filter });
  }
  programme() {
    return this.call<{
      rules: { version: number; config: Json };
      settings: { version: number; settings: Json };
      ruleVersions: Array<{ version: number; createdBy: string; createdAt: string }>;
      settingsVersions: Array<{ version: number; createdBy: string; createdAt: string }>;
    }>('GET', '/programme');
  }
  preview(config: Json | undefined, amountMinor: number, tier: string) {
    return this.call<{ points: number; cashbackMinor: number }>('POST', '/programme/preview', {
      ...(config ? { config } : {}),
      amountMinor,
      tier,
    });
  }
  publishRules(config: Json) {
    return this.call<{ version: number }>('PUT', '/programme/rules', config);
  }
  rollbackRules(version: number) {
    return this.call<{ version: number }>('POST', '/programme/rules/rollback', { version });
  }
  saveSettings(settings: Json) {
    return this.call<{ version: number }>('PUT', '/programme/settings', settings);
  }
  rollbackSettings(version: number) {
    return this.call<{ version: number }>('POST', '/programme/settings/rollback', { version });
  }
  rewards() {
    return this.call<{ rewards: Reward[] }>('GET', '/rewards');
  }
  createReward(r: Json) {
    return this.call<{ reward: Reward }>('POST', '/rewards', r);
  }
  patchReward(id: string, patch: Json) {
    return this.call<{ reward: Reward }>('PATCH', `/rewards/${id}`, patch);
  }
  uploadImage(id: string, file: File) {
    return this.call<{ reward: Reward }>(
      'PUT',
      `/rewards/${id}/image`,
      file,
      file.type || 'application/octet-stream',
    );
  }
  campaigns() {
    return this.call<{ campaigns: Campaign[] }>('GET', '/campaigns');
  }
  createCampaign(c: Json) {
    return this.call<{ audience: number; campaign: Campaign }>('POST', '/campaigns', c);
  }
  messages() {
    return this.call<{
      messages: Array<{
        id: number;
        memberId: string;
        kind: string;
        status: string;
        reason: string | null;
        body: string;
        createdAt: string;
      }>;
      totals: Array<{ status: string; n: number }>;
    }>('GET', '/messages?limit=50');
  }
  dashboard(from: string, to: string, store: string) {
    const q = new URLSearchParams({ from, to, ...(store ? { store } : {}) });
    return this.call<Dashboard>('GET', `/reports/dashboard?${q}`);
  }
  rfm() {
    return this.call<{
      segments: Array<{ segment: string; members: number; avgChurnRisk: number | null }>;
      computedAt: string | null;
    }>('GET', '/reports/rfm');
  }
  runRfm() {
    return this.call('POST', '/reports/rfm/run');
  }
  stores() {
    return this.call<{ stores: Array<{ id: string; name: string }> }>('GET', '/stores');
  }
}
