/**
 * The process helpers `tessera dev` and `tessera bench` share now live in src/runtime/ (a lower
 * layer the bench and the tests use too); re-exported for callers of this older path.
 * @module
 */
export { cliArgv, currentRuntime, type Runtime } from '../runtime/runtimes.ts';
export { freePort, portFree } from '../runtime/ports.ts';
