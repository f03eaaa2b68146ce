/**
 * Loads the wasm core the same way on Node, Bun and Deno: read the bytes with `node:fs`
 * (all three provide it) and instantiate synchronously. No per-runtime glue.
 * @module
 */
import { readFileSync } from 'node:fs';
import * as wasm from './wasm/tessera_core.js';

wasm.initSync({ module: readFileSync(new URL('./wasm/tessera_core_bg.wasm', import.meta.url)) });

/** The instantiated wasm exports. */
export const core = wasm;
