/**
 * The control API as a Hono app: web-standard Request/Response only, so one code path is served
 * by Node, Bun and Deno (see serve.ts for the runtime edge).
 * @module
 */
import { Hono } from 'hono';
import type { ClusterState } from '../node/gateway.ts';
import type { Manifest } from '../node/manifest.ts';
import { ApiError, errorBody } from './errors.ts';
import { Metrics } from './metrics.ts';
import { docsPage, openapi } from './openapi.ts';
import type { ApiLimits } from './operate.ts';
import { healthRoutes } from './routes/health.ts';
import { keyRoutes } from './routes/keys.ts';

/** What the API needs from its node. */
export interface ApiDeps {
  manifest: Manifest;
  /** The cluster state once NATS is connected (undefined before). */
  cluster: () => ClusterState | undefined;
  /** Manifest nodes without a fresh heartbeat. */
  notReady: () => Promise<string[]>;
  limits?: Partial<ApiLimits>;
  metrics?: Metrics;
  /** Structured log of each finished operation. */
  log?: (e: Record<string, unknown>) => void;
}

/** Defaults: 64 KiB bodies within 10 s, 256 operations in flight, 120 s per operation. */
export const DEFAULT_LIMITS: ApiLimits = { bodyBytes: 64 * 1024, bodyTimeoutMs: 10_000, maxInflight: 256, operationTimeoutMs: 120_000 };

/** Builds the API. */
export function createApi(deps: ApiDeps): Hono {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const metrics = deps.metrics ?? new Metrics();
  let inflight = 0;
  metrics.gauge('tessera_http_inflight', 'Operations in flight on this API node', () => inflight);
  metrics.gauge('tessera_nats_connected', '1 when connected to NATS', () => (deps.cluster() ? 1 : 0));
  const app = new Hono();

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    const isOp = c.req.path.startsWith('/v1/');
    if (isOp && inflight >= limits.maxInflight) {
      metrics.inc('tessera_http_requests_total', 'HTTP requests by route and status', { route: 'v1', status: '429' });
      return c.json(errorBody('OVERLOADED', `more than ${limits.maxInflight} operations in flight; retry later`), 429, { 'Retry-After': '1' });
    }
    if (isOp) inflight++;
    try {
      await next();
    } finally {
      if (isOp) inflight--;
      const route = c.req.routePath || 'unmatched';
      metrics.inc('tessera_http_requests_total', 'HTTP requests by route and status', { route, status: String(c.res.status) });
      metrics.observe('tessera_http_request_seconds', 'HTTP request latency', { route }, (performance.now() - t0) / 1000);
    }
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status as 400);
    deps.log?.({ event: 'api_internal_error', err: String((err as Error)?.name ?? 'Error') });
    // A bus failure while NATS is away is an outage, not a bug.
    if (!deps.cluster()) return c.json(errorBody('NOT_READY', 'lost the connection to the cluster; retry later'), 503);
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path.slice(0, 100)}`), 404));

  app.route('/', healthRoutes({ connected: () => !!deps.cluster(), notReady: deps.notReady }, metrics));
  app.get('/openapi.json', (c) => c.json(openapi));
  app.get('/docs', (c) => c.html(docsPage()));
  app.route(
    '/v1',
    keyRoutes({
      manifest: deps.manifest,
      cluster: deps.cluster,
      limits,
      onFinish: (e) => {
        metrics.observe('tessera_operation_seconds', 'Operation latency, request to attested results', { op: e.op, status: String(e.status) }, e.ms / 1000);
        deps.log?.({ event: 'api_operation', ...e, ms: Math.round(e.ms) });
      },
    }),
  );
  return app;
}
