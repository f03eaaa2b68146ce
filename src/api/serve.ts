/**
 * The runtime edge: serves a fetch handler with Bun.serve, Deno.serve or @hono/node-server,
 * handing it the client's address (for per-source limits) and bounding the header phase where
 * the runtime allows it.
 * @module
 */
import type { Peer } from './app.ts';

/** A running HTTP server. */
export interface Served {
  port: number;
  close(): Promise<void>;
}

type Fetch = (req: Request, peer: Peer) => Response | Promise<Response>;

/** How long a client may take to send its headers, and its whole request (ms). */
export interface ServeTimeouts {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Listens on `hostname:port` (port 0 picks a free one). */
export async function serve(
  fetch: Fetch,
  hostname: string,
  port: number,
  timeouts: ServeTimeouts = {},
): Promise<Served> {
  const g = globalThis as unknown as {
    Bun?: { serve: (o: unknown) => { port: number; stop: (force?: boolean) => void } };
    Deno?: {
      serve: (
        o: unknown,
        h: (
          req: Request,
          info: { remoteAddr?: { hostname?: string } },
        ) => Response | Promise<Response>,
      ) => { addr: { port: number }; shutdown: () => Promise<void> };
    };
  };
  if (g.Bun) {
    // Bun bounds a slow header phase itself (about 10 s); a client gone quiet is cut after idleTimeout (s).
    const s = g.Bun.serve({
      fetch: (req: Request, server: { requestIP(r: Request): { address: string } | null }) =>
        fetch(req, { remoteAddress: server.requestIP(req)?.address }),
      hostname,
      port,
      idleTimeout: 30,
    });
    return { port: s.port, close: async () => s.stop(true) };
  }
  if (g.Deno) {
    const s = g.Deno.serve({ hostname, port, onListen: () => undefined }, (req, info) =>
      fetch(req, { remoteAddress: info.remoteAddr?.hostname }),
    );
    return { port: s.addr.port, close: () => s.shutdown() };
  }
  const { serve: nodeServe } = await import('@hono/node-server');
  const headersTimeout = timeouts.headersTimeoutMs ?? 60_000;
  // Node checks these deadlines every connectionsCheckingInterval; the default (30 s) would let a slow header phase run well past them.
  const serverOptions = {
    headersTimeout,
    requestTimeout: Math.max(timeouts.requestTimeoutMs ?? 300_000, headersTimeout),
    connectionsCheckingInterval: 1_000,
  };
  return new Promise((resolve, reject) => {
    const server = nodeServe(
      {
        fetch: (req, env: { incoming?: { socket?: { remoteAddress?: string } } }) =>
          fetch(req, { remoteAddress: env.incoming?.socket?.remoteAddress }),
        hostname,
        port,
        serverOptions,
      },
      (info) =>
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((r) => {
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
              server.close(() => r());
            }),
        }),
    );
    server.once('error', reject);
  });
}
