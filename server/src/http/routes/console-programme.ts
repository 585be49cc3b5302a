import { TIER_CODES } from '@bashgah/protocol';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  activeClubSettings,
  ClubSettings,
  clubSettingsVersion,
  listClubSettingsVersions,
  saveClubSettings,
} from '../../console/club-settings.js';
import { pushToKiosks } from '../../console/kiosk-push.js';
import { EngineError } from '../../engine/errors.js';
import { audit } from '../../engine/fraud.js';
import { RuleConfig } from '../../engine/rules/config.js';
import { purchasePoints } from '../../engine/rules/earn.js';
import { activeRules, listRuleVersions, publishRules } from '../../engine/rules/store.js';
import { HttpError } from '../errors.js';
import type { OperatorEnv } from '../middleware/operator-auth.js';
import { parseJsonBody } from '../validation.js';
import type { ConsoleDeps } from './console-deps.js';

const PreviewBody = z
  .object({
    /** Unsaved rules from the form; the live ones when absent. */
    config: z.unknown().optional(),
    amountMinor: z.number().int().positive().max(1e13),
    tier: z.enum(TIER_CODES),
    lines: z
      .array(
        z
          .object({
            category: z.string().min(1).max(32),
            amountMinor: z.number().int().positive(),
            quantity: z.number().int().positive().default(1),
          })
          .strict(),
      )
      .max(50)
      .default([]),
    at: z.iso.datetime().optional(),
  })
  .strict();

const Rollback = z.object({ version: z.number().int().positive() }).strict();

/** Earn rules, tiers, punch cards, expiry (the engine's versioned rule set) and club settings. */
export function consoleProgrammeRoutes(deps: ConsoleDeps & { push: (by: string) => Promise<unknown> }) {
  const app = new Hono<OperatorEnv>();
  const { viewer, admin } = deps.roles;
  const actor = (c: { get(k: 'session'): { operator: { username: string } } }) =>
    c.get('session').operator.username;

  app.get('/programme', viewer, async (c) => {
    const [rules, settings, ruleVersions, settingsVersions] = await Promise.all([
      activeRules(deps.db),
      activeClubSettings(deps.db),
      listRuleVersions(deps.db),
      listClubSettingsVersions(deps.db),
    ]);
    return c.json({ rules, settings, ruleVersions: ruleVersions.reverse(), settingsVersions });
  });

  app.get('/programme/rules/:version', viewer, async (c) => {
    const row = await deps.db.get<{ config: string }>('SELECT config FROM rule_sets WHERE version = ?', [
      Number(c.req.param('version')),
    ]);
    if (!row) throw new HttpError(404, 'version-not-found', `no rules version ${c.req.param('version')}`);
    return c.json({ config: JSON.parse(row.config) });
  });

  /** "A 250,000 Toman purchase by a gold member earns N points", by the engine's own arithmetic. */
  app.post('/programme/preview', viewer, async (c) => {
    const body = await parseJsonBody(c, PreviewBody);
    let config: RuleConfig;
    if (body.config === undefined) config = (await activeRules(deps.db)).config;
    else {
      const r = RuleConfig.safeParse(body.config);
      if (!r.success) {
        throw new HttpError(400, 'invalid-rules', 'the rules in the form are not valid yet', {
          issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      config = r.data;
    }
    const breakdown = purchasePoints(config, {
      amountMinor: body.amountMinor,
      currency: config.currency,
      lines: body.lines,
      tier: body.tier,
      at: body.at ? new Date(body.at) : deps.now(),
      timeZone: deps.timeZone,
    });
    const cashbackMinor = Math.floor((body.amountMinor * config.cashback.basisPoints) / 10_000);
    return c.json({ points: breakdown.points, breakdown, cashbackMinor });
  });

  async function publish(c: Context<OperatorEnv>, config: unknown, action: string, extra = {}) {
    const before = await activeRules(deps.db);
    try {
      const after = await deps.db.transaction(async () => {
        const r = await publishRules(deps.db, config, actor(c), deps.now());
        await audit(
          deps.db,
          {
            actor: actor(c),
            action,
            subject: 'rules',
            details: {
              ...extra,
              before: { version: before.version, config: before.config },
              after: { version: r.version, config: r.config },
            },
          },
          deps.now(),
        );
        return r;
      });
      await deps.push(actor(c));
      return c.json(after);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'invalid-rules') {
        throw new HttpError(400, 'invalid-rules', err.message, err.details);
      }
      throw err;
    }
  }

  app.put('/programme/rules', admin, async (c) => {
    const body = await parseJsonBody(c, z.unknown());
    return publish(c, body, 'rules.publish');
  });

  /** A rollback publishes an old version's config as a new version: history only grows. */
  app.post('/programme/rules/rollback', admin, async (c) => {
    const { version } = await parseJsonBody(c, Rollback);
    const row = await deps.db.get<{ config: string }>('SELECT config FROM rule_sets WHERE version = ?', [
      version,
    ]);
    if (!row) throw new HttpError(404, 'version-not-found', `no rules version ${version}`);
    return publish(c, JSON.parse(row.config), 'rules.rollback', { to: version });
  });

  async function saveSettings(c: Context<OperatorEnv>, settings: ClubSettings, action: string, extra = {}) {
    const before = await activeClubSettings(deps.db);
    const version = await deps.db.transaction(async () => {
      const v = await saveClubSettings(deps.db, settings, actor(c), deps.now());
      await audit(
        deps.db,
        {
          actor: actor(c),
          action,
          subject: 'club-settings',
          details: { ...extra, before, after: { version: v, settings } },
        },
        deps.now(),
      );
      return v;
    });
    await deps.push(actor(c));
    return c.json({ version, settings });
  }

  app.put('/programme/settings', admin, async (c) => {
    const body = await parseJsonBody(c, ClubSettings);
    return saveSettings(c, body, 'settings.save');
  });

  app.post('/programme/settings/rollback', admin, async (c) => {
    const { version } = await parseJsonBody(c, Rollback);
    const s = await clubSettingsVersion(deps.db, version);
    if (!s) throw new HttpError(404, 'version-not-found', `no settings version ${version}`);
    return saveSettings(c, s, 'settings.rollback', { to: version });
  });

  /** Pushes catalog and settings to every kiosk now (also done after each change). */
  app.post('/programme/push', deps.roles.operator, async (c) => c.json(await deps.push(actor(c))));

  return app;
}

export { pushToKiosks };
