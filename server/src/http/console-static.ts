import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';

/** server/console/dist, found from src/http or dist/http alike. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

/**
 * Serves the built operator console at `/`. Paths without an extension fall back to index.html
 * (client-side routes). The folder is checked per request, so building the console while the
 * server runs needs no restart. API paths are never answered here.
 */
export function consoleStatic(dir = CONSOLE_DIST_DIR): MiddlewareHandler {
  let assets: MiddlewareHandler | undefined;
  let index: MiddlewareHandler | undefined;
  return async (c, next) => {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.req.path.startsWith('/api/')) return next();
    if (!existsSync(path.join(dir, 'index.html'))) {
      if (c.req.path === '/') {
        return c.text(
          'operator console not built: run npm run build (or npm run build:console -w server)',
          503,
        );
      }
      return next();
    }
    assets ??= serveStatic({ root: dir });
    index ??= serveStatic({ root: dir, path: 'index.html' });
    let missed = false;
    const found = await assets(c, async () => {
      missed = true;
    });
    if (!missed) return found;
    if (/\.[a-z0-9]+$/i.test(c.req.path)) return next();
    return index(c, next);
  };
}
