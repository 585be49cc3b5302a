import type { Queryable } from '../../db/sqlite.js';
import { EngineError } from '../errors.js';
import { DEFAULT_RULES, RuleConfig } from './config.js';

export interface ActiveRules {
  /** 0 when no rule set was ever published and the built-in defaults apply. */
  version: number;
  config: RuleConfig;
}

// Parsed configs keyed by their stored JSON (not the version: tests and tools open several
// databases in one process, each with its own version 1). A stored version never changes.
const parsed = new Map<string, RuleConfig>();

/**
 * How long a process trusts the rule set it last read. Rules change a few times a year and every
 * purchase and check-in reads them; a publish through this process is seen at once (it clears the
 * cache), one by another process (say a CLI) within this time.
 */
export const RULES_CACHE_MS = 1000;
const recent = new WeakMap<Queryable, { rules: ActiveRules; at: number }>();

/** The live rule set: the highest published version, or the defaults. */
export async function activeRules(db: Queryable): Promise<ActiveRules> {
  const hit = recent.get(db);
  if (hit && Date.now() - hit.at < RULES_CACHE_MS) return hit.rules;
  const rules = await readActiveRules(db);
  recent.set(db, { rules, at: Date.now() });
  return rules;
}

async function readActiveRules(db: Queryable): Promise<ActiveRules> {
  const row = await db.get<{ version: number; config: string }>(
    'SELECT version, config FROM rule_sets ORDER BY version DESC LIMIT 1',
  );
  if (!row) return { version: 0, config: DEFAULT_RULES };
  return { version: row.version, config: parseStored(row.config) };
}

function parseStored(json: string): RuleConfig {
  let config = parsed.get(json);
  if (!config) {
    config = RuleConfig.parse(JSON.parse(json));
    if (parsed.size > 64) parsed.clear();
    parsed.set(json, config);
  }
  return config;
}

/**
 * Validates and stores a new version, which becomes live for everything recorded after it.
 * Invalid input throws `invalid-rules` listing every problem, and stores nothing.
 */
export async function publishRules(
  db: Queryable,
  input: unknown,
  by: string,
  now: Date = new Date(),
): Promise<ActiveRules> {
  const result = RuleConfig.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EngineError('invalid-rules', `rule set refused: ${problems.join('; ')}`, { problems });
  }
  return db.transaction(async () => {
    for (const card of result.data.punchCards) {
      if (!(await db.get('SELECT 1 FROM rewards WHERE id = ?', [card.rewardId]))) {
        throw new EngineError(
          'invalid-rules',
          `rule set refused: punch card ${card.id} gives reward ${card.rewardId}, which is not in the catalog; create the reward first`,
          { problems: [`punchCards: unknown reward ${card.rewardId}`] },
        );
      }
    }
    const row = await db.get<{ v: number | null }>('SELECT max(version) AS v FROM rule_sets');
    const version = (row?.v ?? 0) + 1;
    await db.run('INSERT INTO rule_sets (version, config, created_by, created_at) VALUES (?, ?, ?, ?)', [
      version,
      JSON.stringify(result.data),
      by,
      now.toISOString(),
    ]);
    recent.delete(db);
    return { version, config: result.data };
  });
}

export function listRuleVersions(
  db: Queryable,
): Promise<Array<{ version: number; createdBy: string; createdAt: string }>> {
  return db.all(
    'SELECT version, created_by AS createdBy, created_at AS createdAt FROM rule_sets ORDER BY version',
  );
}
