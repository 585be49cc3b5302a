import net from 'node:net';

/** Whether something accepts a connection (a TCP port or a Unix socket) within `timeoutMs`. */
export function canConnect(target: net.NetConnectOpts, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(target);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
