/**
 * The runtime edge: serves a fetch handler with Bun.serve, Deno.serve or @hono/node-server.
 * @module
 */

/** A running HTTP server. */
export interface Served {
  port: number;
  close(): Promise<void>;
}

type Fetch = (req: Request) => Response | Promise<Response>;

/** Listens on `hostname:port` (port 0 picks a free one). */
export async function serve(fetch: Fetch, hostname: string, port: number): Promise<Served> {
  const g = globalThis as unknown as { Bun?: { serve: (o: unknown) => { port: number; stop: (force?: boolean) => void } }; Deno?: { serve: (o: unknown, h: Fetch) => { addr: { port: number }; shutdown: () => Promise<void> } } };
  if (g.Bun) {
    const s = g.Bun.serve({ fetch, hostname, port, idleTimeout: 30 });
    return { port: s.port, close: async () => s.stop(true) };
  }
  if (g.Deno) {
    const s = g.Deno.serve({ hostname, port, onListen: () => undefined }, fetch);
    return { port: s.addr.port, close: () => s.shutdown() };
  }
  const { serve: nodeServe } = await import('@hono/node-server');
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch, hostname, port }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((r) => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => r());
        }),
      }),
    );
    server.once('error', reject);
  });
}
