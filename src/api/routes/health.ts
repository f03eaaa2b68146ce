/**
 * Liveness, readiness and metrics.
 * @module
 */
import { Hono } from 'hono';
import type { Metrics } from '../metrics.ts';

/** What readiness looks at. */
export interface Readiness {
  /** NATS connected and the cluster buckets open. */
  connected: () => boolean;
  /** Manifest nodes without a fresh heartbeat. */
  notReady: () => Promise<string[]>;
  /** What this node needs on NATS (stream, consumer, buckets) and could not recreate. */
  missing?: () => string[];
}

/** `/healthz`, `/readyz`, `/metrics`. */
export function healthRoutes(r: Readiness, metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (!r.connected())
      return c.json(
        {
          status: 'not_ready',
          connected: false,
          error: { code: 'NOT_READY', message: 'not connected to NATS' },
        },
        503,
      );
    const missing = r.missing?.() ?? [];
    if (missing.length)
      return c.json(
        {
          status: 'not_ready',
          connected: true,
          missing,
          error: {
            code: 'NOT_READY',
            message: `missing on NATS and could not be recreated: ${missing.join(', ')}`,
          },
        },
        503,
      );
    const waiting = await Promise.race([
      r.notReady(),
      new Promise<null>((res) => setTimeout(() => res(null), 2_000)),
    ]);
    if (waiting === null)
      return c.json(
        {
          status: 'not_ready',
          connected: true,
          error: { code: 'NOT_READY', message: 'the cluster state did not answer within 2 s' },
        },
        503,
      );
    if (waiting.length)
      return c.json(
        {
          status: 'not_ready',
          connected: true,
          notReady: waiting,
          error: { code: 'PARTY_NOT_READY', message: `not ready: ${waiting.join(', ')}` },
        },
        503,
      );
    return c.json({ status: 'ready', connected: true, notReady: [] });
  });
  app.get('/metrics', (c) =>
    c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }),
  );
  return app;
}
