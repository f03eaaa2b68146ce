/** Driving round objects of any protocol in process, for tests. */
import type { OutgoingMessage } from '../../src/core/wire.ts';
import { deliver } from '../../src/protocol/local.ts';
import type { ProtocolRound } from '../../src/protocol/round.ts';

/**
 * Runs `states` to their end: each round's messages delivered, then advanced, until the rounds
 * finish. `edit` may rewrite a message (by round number, from 1) before it is delivered.
 */
export function complete(
  states: ReadonlyMap<number, ProtocolRound>,
  edit?: (m: OutgoingMessage, round: number) => Uint8Array,
): unknown[] {
  let now = states;
  for (let round = 1; ; round++) {
    const out = [...now.values()].flatMap((r) => r.outgoing);
    deliver(now, edit ? out.map((m) => ({ ...m, bytes: edit(m, round) })) : out);
    const first = [...now.values()][0]!;
    if (!first.advance) return [...now.values()].map((r) => r.finish!());
    now = new Map([...now].map(([id, r]) => [id, r.advance!()]));
  }
}
