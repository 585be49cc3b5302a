import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from './provider.js';
import { SmtpProvider } from './smtp.js';

/** A minimal SMTP server on loopback: records each message; `reject` answers RCPT with 550. */
async function smtpStandIn() {
  const mails: Array<{ from: string; to: string[]; data: string }> = [];
  const state = { reject: false };
  const server = net.createServer((sock) => {
    let buf = '';
    let inData = false;
    let cur = { from: '', to: [] as string[], data: '' };
    sock.write('220 stand-in ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(cur);
            cur = { from: '', to: [], data: '' };
            sock.write('250 queued\r\n');
          } else cur.data += `${line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        let reply = '250 ok';
        if (cmd === 'EHLO' || cmd === 'HELO') reply = '250-stand-in\r\n250 8BITMIME';
        else if (cmd === 'MAIL') cur.from = line;
        else if (cmd === 'RCPT') {
          if (state.reject) reply = '550 no such mailbox';
          else cur.to.push(line);
        } else if (cmd === 'DATA') {
          inData = true;
          reply = '354 go on';
        } else if (cmd === 'QUIT') {
          sock.end('221 bye\r\n');
          continue;
        }
        sock.write(`${reply}\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, mails, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('SMTP provider', () => {
  let smtp: Awaited<ReturnType<typeof smtpStandIn>>;
  beforeEach(async () => {
    smtp = await smtpStandIn();
  });
  afterEach(() => smtp.close());

  it('delivers a Persian text as UTF-8 mail', async () => {
    const p = new SmtpProvider({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'club@example.com' });
    const r = await p.send({ to: 'ali@example.com', subject: 'باشگاه مشتریان', body: 'کد جایزه شما: ABCD' });
    p.close();
    expect(r.ref).toBeTruthy();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to[0]).toContain('ali@example.com');
    expect(smtp.mails[0]!.data).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
  });

  it('treats a 5xx refusal as final and a dead server as worth retrying', async () => {
    smtp.state.reject = true;
    const p = new SmtpProvider({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'club@example.com' });
    const refused = await p.send({ to: 'x@example.com', body: 'x' }).catch((e: unknown) => e);
    p.close();
    expect(refused).toBeInstanceOf(DeliveryError);
    expect((refused as DeliveryError).retryable).toBe(false);
    await smtp.close();
    const dead = new SmtpProvider({
      url: `smtp://127.0.0.1:${smtp.port}`,
      from: 'club@example.com',
      timeoutMs: 2000,
    });
    const down = await dead.send({ to: 'x@example.com', body: 'x' }).catch((e: unknown) => e);
    dead.close();
    expect((down as DeliveryError).retryable).toBe(true);
    smtp.close = async () => {};
  });
});
