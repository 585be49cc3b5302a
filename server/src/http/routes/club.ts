import { Hono } from 'hono';
import { z } from 'zod';
import type { Queryable } from '../../db/sqlite.js';
import { publishedRules } from '../../engine/published-rules.js';
import { clubKey } from '../../engine/vouchers.js';
import { openApiDocument } from '../openapi.js';
import { parseInput } from '../validation.js';

/** Public club information: the published rules and the key tills check voucher QR codes with. */
export function clubRoutes(deps: { db: Queryable; now: () => Date }) {
  const app = new Hono();

  /** `?lang=fa|en` (default fa); `&format=text` gives plain text for SMS and printing. */
  app.get('/api/club/rules', async (c) => {
    const q = parseInput(
      z
        .object({
          lang: z.enum(['fa', 'en']).default('fa'),
          format: z.enum(['json', 'text']).default('json'),
        })
        .strict(),
      c.req.query(),
      'query',
    );
    const rules = await publishedRules(deps.db, q.lang, deps.now());
    if (q.format === 'json') return c.json(rules);
    const text = [
      rules.title,
      ...rules.sections.flatMap((s) => ['', s.title, ...s.items.map((i) => `• ${i}`)]),
    ].join('\n');
    return c.text(text);
  });

  const doc = openApiDocument();
  app.get('/api/openapi.json', (c) => c.json(doc));

  app.get('/api/club/public-key', async (c) => {
    const { publicPem } = await clubKey(deps.db);
    return c.json({ algorithm: 'Ed25519', format: 'spki-pem', publicKeyPem: publicPem });
  });

  return app;
}
