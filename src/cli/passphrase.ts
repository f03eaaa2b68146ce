/**
 * The no-echo passphrase prompt, and where a command's passphrase comes from: `--passphrase-file`,
 * TESSERA_PASSPHRASE, or the terminal. The prompt reads the terminal in raw mode and edits the
 * line itself: a line ends at CR, LF or CRLF anywhere in a chunk (a paste arrives as one chunk;
 * what follows the line end is kept for the next prompt), backspace/DEL delete a character,
 * Ctrl-U clears the line, escape sequences (arrows, bracketed-paste markers) are dropped,
 * Ctrl-C exits (130) and Ctrl-D on an empty line aborts, both with the terminal restored.
 * @module
 */
import process from 'node:process';
import {
  checkPassphrase,
  PassphraseError,
  passphraseFromEnv,
  readPassphraseFile,
} from '../node/storage/secret-file.ts';
import { UsageError } from './args.ts';

/** One event of the line editor: a finished line, or an abort. */
export type LineEvent = { line: string } | { abort: 'interrupt' | 'eof' };

/** A line editor over raw terminal input; pure, so the key handling is testable without a terminal. */
export class LineEditor {
  private chars: string[] = [];
  private skipLf = false;
  private escape: 'none' | 'start' | 'csi' = 'none';

  /** Feeds decoded input; returns the events it completes, in order (input after an abort is dropped). */
  feed(text: string): LineEvent[] {
    const out: LineEvent[] = [];
    for (const c of text) {
      const skip = this.skipLf;
      this.skipLf = false;
      if (this.escape === 'start') {
        this.escape = c === '[' || c === 'O' ? 'csi' : 'none';
        continue;
      }
      if (this.escape === 'csi') {
        // A control sequence ends at its final byte, 0x40–0x7e.
        if (c >= '@' && c <= '~') this.escape = 'none';
        continue;
      }
      if (c === '\n' && skip) continue;
      if (c === '\r' || c === '\n') {
        out.push({ line: this.chars.join('') });
        this.chars = [];
        this.skipLf = c === '\r';
      } else if (c === '\u0003') {
        out.push({ abort: 'interrupt' });
        return out;
      } else if (c === '\u0004') {
        if (!this.chars.length) {
          out.push({ abort: 'eof' });
          return out;
        }
      } else if (c === '\u007f' || c === '\b') this.chars.pop();
      else if (c === '\u0015') this.chars = [];
      else if (c === '\u001b') this.escape = 'start';
      else if (c >= ' ' || c === '\t') this.chars.push(c);
    }
    return out;
  }
}

/** Reads lines from the terminal without echo; `close` restores it. */
class TerminalReader {
  private editor = new LineEditor();
  private decoder = new TextDecoder();
  private queue: LineEvent[] = [];
  private waiting?: (e: LineEvent) => void;
  private closed = false;
  private deliver(e: LineEvent): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(e);
    } else this.queue.push(e);
  }
  private readonly onData = (b: Buffer | string) => {
    for (const e of this.editor.feed(
      typeof b === 'string' ? b : this.decoder.decode(b, { stream: true }),
    ))
      this.deliver(e);
  };
  // The terminal went away: whatever was typed is not a confirmed line.
  private readonly onEnd = () => this.deliver({ abort: 'eof' });

  constructor(private readonly input: NodeJS.ReadStream) {
    input.setRawMode(true);
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.resume();
  }

  next(): Promise<LineEvent> {
    const e = this.queue.shift();
    return e ? Promise.resolve(e) : new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.setRawMode(false);
    this.input.pause();
  }
}

/**
 * Prompts on the terminal for a passphrase of at least MIN_PASSPHRASE characters; with `confirm`
 * (a new passphrase) asks twice and compares. Gives up after `tries` failed attempts.
 */
export async function promptPassphrase(opts: {
  confirm: boolean;
  tries?: number;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}): Promise<string> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  if (!input.isTTY)
    throw new UsageError(
      'no passphrase source: stdin is not a terminal (use --passphrase-file or TESSERA_PASSPHRASE)',
    );
  const reader = new TerminalReader(input);
  const ask = async (prompt: string): Promise<string> => {
    output.write(prompt);
    const e = await reader.next();
    output.write('\n');
    if ('abort' in e && e.abort === 'interrupt') {
      // Ctrl-C: the terminal back to normal, then exit as a shell would after SIGINT.
      reader.close();
      process.exit(130);
    }
    if ('abort' in e) throw new UsageError('no passphrase entered (end of input)');
    return e.line;
  };
  try {
    for (let attempt = 1, tries = opts.tries ?? 3; ; attempt++) {
      const first = await ask('passphrase: ');
      let problem: string | undefined;
      try {
        checkPassphrase(first, 'the prompt');
      } catch (err) {
        problem = (err as Error).message;
      }
      if (!problem && opts.confirm && (await ask('confirm passphrase: ')) !== first)
        problem = 'passphrases do not match';
      if (!problem) return first;
      if (attempt >= tries) throw new UsageError(`${problem}; giving up after ${tries} attempts`);
      output.write(`${problem}; try again\n`);
    }
  } finally {
    reader.close();
  }
}

/**
 * A command's passphrase: `--passphrase-file`, else TESSERA_PASSPHRASE, else the terminal
 * prompt (asked twice when `creating`). Each source must give at least MIN_PASSPHRASE characters.
 */
export async function passphraseFor(
  passphraseFile: string | undefined,
  creating: boolean,
): Promise<string> {
  try {
    if (passphraseFile) return readPassphraseFile(passphraseFile);
    const env = passphraseFromEnv('TESSERA_PASSPHRASE');
    if (env !== undefined) return env;
  } catch (e) {
    if (e instanceof PassphraseError) throw new UsageError(e.message);
    throw e;
  }
  return promptPassphrase({ confirm: creating });
}
