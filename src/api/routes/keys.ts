/**
 * `/v1/keys` routes: create a key, read its public record, sign, reshare, refresh, re-drive a promotion.
 * @module
 */
import { Hono } from 'hono';
import { chooseRecord } from '../../node/cluster/key-record.ts';
import { authenticate, noKey, operate, type OperateDeps } from '../operate.ts';

/** The `/v1` routes. */
export function keyRoutes(deps: OperateDeps): Hono {
  const app = new Hono();
  const post = async (req: Request) => {
    const signed = await authenticate(req, deps, { deferNonce: true });
    const a = await operate(signed, req.headers.get('idempotency-key') ?? undefined, deps);
    return Response.json(a.body, { status: a.status, headers: a.headers });
  };
  app.post('/keys', (c) => post(c.req.raw));
  app.post('/keys/:keyId/sign', (c) => post(c.req.raw));
  app.post('/keys/:keyId/reshare', (c) => post(c.req.raw));
  app.post('/keys/:keyId/refresh', (c) => post(c.req.raw));
  app.post('/keys/:keyId/promote', (c) => post(c.req.raw));
  app.get('/keys/:keyId', async (c) => {
    await authenticate(c.req.raw, deps);
    const keyId = c.req.param('keyId');
    const cluster = deps.cluster()!;
    const statements = /^[a-zA-Z0-9_-]{1,64}$/.test(keyId) ? await cluster.statements(keyId) : [];
    const key = chooseRecord(statements);
    if (!key) {
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(keyId))
        return Response.json(
          { error: { code: 'UNKNOWN_KEY', message: `no key ${keyId.slice(0, 64)}` } },
          { status: 404 },
        );
      throw noKey(cluster, keyId);
    }
    // The attested results of the operation that made the current shares, while they are kept.
    const attestations = key.epoch
      ? (await Promise.all(key.parties.map((p) => cluster.result(key.epoch!, p)))).filter(Boolean)
      : [];
    return c.json({
      keyId: key.keyId,
      threshold: key.threshold,
      parties: key.parties,
      curves: key.curves,
      publicKeys: key.publicKeys,
      ...(key.chainCode ? { chainCode: key.chainCode } : {}),
      epoch: key.epoch,
      ...(key.previousEpoch ? { previousEpoch: key.previousEpoch } : {}),
      statements: statements.filter((s) => s.epoch === key.epoch),
      attestations,
    });
  });
  return app;
}
