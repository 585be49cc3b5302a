import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import { createApp } from './app.js';

describe('OpenAPI document and club info routes', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let app: ReturnType<typeof createApp>;
  beforeEach(async () => {
    t = await tempDb();
    app = createApp({
      db: t.db,
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      logger: silentLogger,
      mqttConnected: () => true,
    });
  });
  afterEach(() => t.cleanup());

  it('documents every club route the app serves', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const club = /^\/api\/(pos\/v1|members\/:id\/(redemptions|vouchers|cards)|signup|rewards|club|fraud)/;
    const served = app.routes
      .filter((r) => club.test(r.path) && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(10);
    for (const route of served) {
      const [method, path] = route.split(' ') as [string, string];
      expect(doc.paths[path]?.[method], `${route} is documented`).toBeDefined();
    }
  });

  it('describes request bodies from the validation schemas', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as {
      paths: Record<
        string,
        {
          post: {
            requestBody: {
              content: {
                'application/json': { schema: { required: string[]; additionalProperties: boolean } };
              };
            };
          };
        }
      >;
    };
    const purchase = doc.paths['/api/pos/v1/purchases']!.post.requestBody.content['application/json'].schema;
    expect(purchase.required).toEqual(
      expect.arrayContaining(['receiptId', 'member', 'amountMinor', 'currency']),
    );
    expect(purchase.additionalProperties).toBe(false);
  });

  it('serves the published rules as JSON and as plain text', async () => {
    const fa = (await (await app.request('/api/club/rules')).json()) as {
      lang: string;
      sections: Array<{ id: string }>;
    };
    expect(fa.lang).toBe('fa');
    expect(fa.sections.map((s) => s.id)).toContain('earn');
    const text = await (await app.request('/api/club/rules?lang=en&format=text')).text();
    expect(text).toMatch(
      /^Customer club rules\n\nEarning points\n• Earn 1 point for every 10,000 Toman you spend\./,
    );
    expect((await app.request('/api/club/rules?lang=de')).status).toBe(400);
  });
});
