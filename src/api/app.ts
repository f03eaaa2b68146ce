/**
 * The control API as a Hono app: web-standard Request/Response only, so one code path is served
 * by Node, Bun and Deno (see serve.ts for the runtime edge).
 * @module
 */
import { Hono } from 'hono';
import type { ClusterState } from '../node/cluster/state.ts';
import type { Manifest } from '../node/identity/manifest.ts';
import { Admission, type AdmissionLimits } from './admission.ts';
import { bufferBody } from './body.ts';
import { ApiError, errorBody, publicErrorBody } from './errors.ts';
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
  /** What the node needs on NATS and could not recreate (see Readiness). */
  missing?: () => string[];
  limits?: Partial<ApiLimits & AdmissionLimits>;
  metrics?: Metrics;
  /** Structured log of each finished operation. */
  log?: (e: Record<string, unknown>) => void;
}

/** Defaults: 64 KiB bodies within 10 s, 32 arriving at once per source address, 256 authenticated operations in flight, 120 s per operation. */
export const DEFAULT_LIMITS: ApiLimits & AdmissionLimits = {
  bodyBytes: 64 * 1024,
  bodyTimeoutMs: 10_000,
  bodiesPerSource: 32,
  maxInflight: 256,
  operationTimeoutMs: 120_000,
};

/** What the runtime edge (serve.ts) tells the app about a request. */
export interface Peer {
  remoteAddress?: string;
}

const overloaded = (message: string) =>
  new Response(JSON.stringify(errorBody('OVERLOADED', message)), {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' },
  });

/** Builds the API. */
export function createApi(deps: ApiDeps): Hono {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const metrics = deps.metrics ?? new Metrics();
  const admission = new Admission(limits);
  metrics.gauge(
    'tessera_http_inflight',
    'Authenticated operations in flight on this API node',
    () => admission.operations,
  );
  metrics.gauge(
    'tessera_http_bodies_arriving',
    'Request bodies still arriving (not yet authenticated)',
    () => admission.bodies,
  );
  metrics.gauge('tessera_nats_connected', '1 when connected to NATS', () =>
    deps.cluster() ? 1 : 0,
  );
  const app = new Hono();

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    const req = c.req.raw;
    try {
      // The body arrives before authentication, so it holds no operation slot: only a bounded
      // number per source address, each for at most bodyTimeoutMs.
      if (c.req.path.startsWith('/v1/') && req.body) {
        const source = (c.env as Peer | undefined)?.remoteAddress ?? 'unknown';
        if (!admission.bodyStarts(source))
          c.res = overloaded(
            `more than ${limits.bodiesPerSource} request bodies arriving from this address; retry later`,
          );
        else {
          try {
            await bufferBody(req, limits.bodyBytes, limits.bodyTimeoutMs);
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            // A client cut off mid-body cannot be answered on the same connection reliably.
            c.res = new Response(JSON.stringify(errorBody(e.code, e.message)), {
              status: e.status,
              headers: { 'content-type': 'application/json', connection: 'close' },
            });
          } finally {
            admission.bodyEnds(source);
          }
        }
      }
      if (!c.finalized) await next();
      // Every error body leaves through publicError, whoever built it (no path, no foreign text).
      if (c.res.status >= 400 && c.res.headers.get('content-type')?.includes('json')) {
        const body = publicErrorBody(
          await c.res
            .clone()
            .json()
            .catch(() => ({})),
        );
        const headers = new Headers(c.res.headers);
        headers.delete('content-length');
        c.res = new Response(JSON.stringify(body), { status: c.res.status, headers });
      }
    } finally {
      admission.release(req);
      const route = c.req.routePath || 'unmatched';
      metrics.inc('tessera_http_requests_total', 'HTTP requests by route and status', {
        route,
        status: String(c.res.status),
      });
      metrics.observe(
        'tessera_http_request_seconds',
        'HTTP request latency',
        { route },
        (performance.now() - t0) / 1000,
      );
    }
  });

  app.onError((err, c) => {
    if (err instanceof ApiError)
      return c.json(
        errorBody(err.code, err.message, err.details),
        err.status as 400,
        err.status === 429 ? { 'Retry-After': '1' } : {},
      );
    deps.log?.({ event: 'api_internal_error', err: String((err as Error)?.name ?? 'Error') });
    // A bus failure while NATS is away is an outage, not a bug.
    if (!deps.cluster())
      return c.json(errorBody('NOT_READY', 'lost the connection to the cluster; retry later'), 503);
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', 'no such route'), 404));

  app.route(
    '/',
    healthRoutes(
      { connected: () => !!deps.cluster(), notReady: deps.notReady, missing: deps.missing },
      metrics,
    ),
  );
  app.get('/openapi.json', (c) => c.json(openapi));
  app.get('/docs', (c) => c.html(docsPage()));
  app.route(
    '/v1',
    keyRoutes({
      manifest: deps.manifest,
      cluster: deps.cluster,
      limits,
      // Called by authenticate() once the signature verified: only then does a request count.
      admit: (req) => {
        if (!admission.admit(req))
          throw new ApiError(
            429,
            'OVERLOADED',
            `more than ${limits.maxInflight} operations in flight; retry later`,
          );
      },
      onFinish: (e) => {
        metrics.observe(
          'tessera_operation_seconds',
          'Operation latency, request to attested results',
          { op: e.op, status: String(e.status) },
          e.ms / 1000,
        );
        deps.log?.({ event: 'api_operation', ...e, ms: Math.round(e.ms) });
      },
    }),
  );
  return app;
}
