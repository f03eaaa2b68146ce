/**
 * A node with its HTTP control API: the API listens first (answering 503 until NATS is
 * connected), then the node joins the cluster.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Bus } from '../node/bus/bus.ts';
import type { NodeConfig } from '../node/config.ts';
import { validateManifest } from '../node/identity/manifest.ts';
import { TesseraNode } from '../node/node.ts';
import { createApi, DEFAULT_LIMITS } from './app.ts';
import { serve, type Served } from './serve.ts';

/** A running node and, when configured, its API. */
export interface RunningNode {
  node: TesseraNode;
  api?: Served;
  stop(): Promise<void>;
}

/** Starts the API (if `cfg.api`) and the node. */
export async function startNode(cfg: NodeConfig, log: Logger, bus?: Bus): Promise<RunningNode> {
  let node: TesseraNode | undefined;
  let api: Served | undefined;
  if (cfg.api) {
    const manifest = validateManifest(JSON.parse(readFileSync(cfg.manifest, 'utf8')));
    const app = createApi({
      manifest,
      cluster: () => (node && node.bus.connected() ? node.cluster : undefined),
      notReady: () =>
        node
          ? node.notReady(manifest.nodes.map((n) => n.nodeId))
          : Promise.resolve(manifest.nodes.map((n) => n.nodeId)),
      missing: () => node?.missingInfrastructure() ?? [],
      limits: cfg.api,
      log: (e) => log.info(e, String(e.event)),
    });
    // Headers get the body's short deadline too; the whole request both, plus slack so the
    // app's typed 408 normally answers before the runtime's own.
    const bodyMs = cfg.api.bodyTimeoutMs ?? DEFAULT_LIMITS.bodyTimeoutMs;
    api = await serve(app.fetch, cfg.api.host ?? '127.0.0.1', cfg.api.port ?? 8080, {
      headersTimeoutMs: bodyMs,
      requestTimeoutMs: 2 * bodyMs + 1_000,
    });
    log.info(
      { event: 'api_listening', host: cfg.api.host ?? '127.0.0.1', port: api.port },
      'HTTP API listening',
    );
  }
  try {
    node = await TesseraNode.start(cfg, log, bus);
  } catch (e) {
    await api?.close();
    throw e;
  }
  const n = node;
  return {
    node: n,
    api,
    stop: async () => {
      await api?.close().catch(() => undefined);
      await n.stop();
    },
  };
}
