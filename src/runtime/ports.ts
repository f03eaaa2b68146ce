/**
 * Loopback port probing. A probed port may still be taken before it is bound: whoever binds it
 * retries (see startNatsServer).
 * @module
 */
import { createServer } from 'node:net';

/** Whether `port` is free on 127.0.0.1. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free loopback port: the first from `from` upwards, or any (from = 0). */
export async function freePort(from = 0): Promise<number> {
  if (!from) {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  for (let p = from; p < from + 100; p++) if (await portFree(p)) return p;
  throw new Error(`no free port near ${from}`);
}
