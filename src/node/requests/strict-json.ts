/**
 * JSON that means one thing: `JSON.parse` keeps the last of two equal keys while another parser
 * (an approver's tool, say) may keep the first, so a signed body that repeats a key at any depth
 * is refused instead of read.
 * @module
 */

/** A JSON text that repeats a key within one object. */
export class DuplicateKeyError extends SyntaxError {
  override name = 'DuplicateKeyError';
  constructor(readonly key: string) {
    // The key is the sender's text: named only when it is a plain identifier, and bounded.
    super(
      `the body repeats the key ${/^[A-Za-z0-9_-]{1,40}$/.test(key) ? JSON.stringify(key) : '(not shown)'} in one object; every key may appear once`,
    );
  }
}

/** The first key repeated within one object of `text`, at any depth (after escapes are decoded); `text` must be valid JSON. */
export function duplicateKey(text: string): string | undefined {
  // One Set per open object, null per open array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const keys = open[open.length - 1];
      if (keys && expectKey) {
        // "a" and "\u0061" are the same key.
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** `JSON.parse`, refusing a text that repeats a key in any object (DuplicateKeyError). */
export function parseStrictJson(text: string): unknown {
  const v: unknown = JSON.parse(text);
  const dup = duplicateKey(text);
  if (dup !== undefined) throw new DuplicateKeyError(dup);
  return v;
}
