#!/usr/bin/env node
/**
 * DEV AID, not a test and not the agent: serves kiosk-ui/dist plus a tiny in-memory fake of the
 * device agent's three kiosk endpoints (GET /api/state, GET /api/events, POST /api/checkin) and a
 * few /sim/* knobs, so the built kiosk can be looked at and screenshotted without the real agent.
 *
 *   node kiosk-ui/scripts/preview-fake.mjs            # http://127.0.0.1:8090/
 *   PORT=8091 node kiosk-ui/scripts/preview-fake.mjs
 *
 * Knobs (fake-only):
 *   POST /sim/tap {"uid":"04A1B2C3D4E5F6"}   known uid → member session, any other → unknown card
 *        ?source=cache                       mark the member view as served from the agent's cache
 *   POST /sim/idle                           back to the idle session
 *   POST /sim/link {"online":false}          flip the server link (and outboxDepth)
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const MEMBER_UID = '04A1B2C3D4E5F6';

function memberView() {
  return {
    id: 'mem_01J8ZK3Q4R5S6T7V8W9X0Y1Z2A',
    number: 100234,
    displayName: 'سارا احمدی',
    points: 12450,
    tier: 'gold',
    cardUid: MEMBER_UID,
    checkinPointsAvailable: 50,
    asOf: new Date(Date.now() - 2 * 3600_000).toISOString(),
  };
}

export function startFake({ port = Number(process.env.PORT ?? 8090), host = '127.0.0.1' } = {}) {
  const state = {
    deviceId: 'kiosk-demo-01',
    online: true,
    reader: 'ready',
    outboxDepth: 0,
    session: { kind: 'idle' },
  };
  const clients = new Set();
  let seq = 0;

  const send = (res, type, payload) => res.write(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
  const broadcast = (type, payload) => {
    for (const c of clients) send(c, type, payload);
  };
  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    try {
      return raw ? JSON.parse(raw) : {};
    } catch {
      return undefined;
    }
  };
  const setSession = (session) => {
    state.session = session;
    broadcast('session', { type: 'session', session });
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const route = `${req.method} ${url.pathname}`;
    try {
      if (route === 'GET /api/state') return json(res, 200, state);

      if (route === 'GET /api/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': hello\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }

      if (route === 'POST /api/checkin') {
        const body = await readBody(req);
        const s = state.session;
        if (!body || typeof body.memberId !== 'string') {
          return json(res, 400, { error: { code: 'bad-request', message: 'memberId required' } });
        }
        if (s.kind !== 'member' || s.member.id !== body.memberId) {
          return json(res, 409, { error: { code: 'no-session', message: 'member is not on screen' } });
        }
        const eventId = `evt_${++seq}`;
        json(res, 202, { eventId, status: 'queued' });
        const award = s.member.checkinPointsAvailable;
        setTimeout(() => {
          if (!state.online) {
            state.outboxDepth++;
            return broadcast('checkin', { type: 'checkin', eventId, status: 'queued' });
          }
          if (award === 0) return broadcast('checkin', { type: 'checkin', eventId, status: 'duplicate' });
          s.member.points += award;
          s.member.checkinPointsAvailable = 0;
          broadcast('checkin', {
            type: 'checkin',
            eventId,
            status: 'applied',
            pointsAwarded: award,
            balance: s.member.points,
          });
        }, 400);
        return;
      }

      if (route === 'POST /sim/tap') {
        const body = await readBody(req);
        const uid = String(body?.uid ?? '').toUpperCase();
        const tappedAt = new Date().toISOString();
        if (uid === MEMBER_UID) {
          const source = url.searchParams.get('source') === 'cache' ? 'cache' : 'server';
          setSession({ kind: 'member', member: memberView(), source, tappedAt });
        } else {
          setSession({ kind: 'unknown-card', cardUid: uid || '04FFEEDDCCBBAA', tappedAt });
        }
        return json(res, 200, state.session);
      }

      if (route === 'POST /sim/idle') {
        setSession({ kind: 'idle' });
        return json(res, 200, state.session);
      }

      if (route === 'POST /sim/link') {
        const body = await readBody(req);
        state.online = Boolean(body?.online);
        state.outboxDepth = state.online ? 0 : Math.max(state.outboxDepth, 3);
        broadcast('state', { type: 'state', state });
        return json(res, 200, state);
      }

      if (req.method === 'GET' && !url.pathname.startsWith('/api/')) {
        const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
        const file = join(DIST, rel === '' || rel === '.' ? 'index.html' : rel);
        if (!file.startsWith(DIST)) return json(res, 403, { error: { code: 'forbidden', message: 'no' } });
        try {
          const data = await readFile(file);
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
          return res.end(data);
        } catch {
          const data = await readFile(join(DIST, 'index.html'));
          res.writeHead(200, { 'content-type': TYPES['.html'] });
          return res.end(data);
        }
      }

      return json(res, 404, { error: { code: 'not-found', message: route } });
    } catch (err) {
      return json(res, 500, { error: { code: 'internal', message: String(err) } });
    }
  });

  return new Promise((resolve) => {
    server.listen(port, host, () => {
      resolve({
        url: `http://${host}:${port}/`,
        close: () =>
          new Promise((done) => {
            for (const c of clients) c.end();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { url } = await startFake();
  console.log(`kiosk preview (fake agent) on ${url}`);
}
