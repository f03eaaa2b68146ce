/**
 * Secret files and prompts, through the real CLI: the passphrase prompt under a pseudo-terminal
 * (a paste ending in CR, backspace, text after the line end, a mismatched confirmation, Ctrl-C,
 * Ctrl-D), the same 12-character minimum for every passphrase source, secrets created 0600 and
 * never overwritten without --force, and `production: true` refusing each missing safeguard.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, describe, test } from 'node:test';
import { identityPassphrase, loadConfig, storageKey } from '../src/node/config.ts';
import {
  generateIdentity,
  openPrivateIdentity,
  sealPrivateIdentity,
  WrongPassphraseError,
} from '../src/node/identity/identity.ts';
import { LineEditor } from '../src/cli/passphrase.ts';
import { cliArgv, makeCluster, startNode } from './helpers/cluster.ts';
import { makeCerts, startNats } from './helpers/nats.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tessera-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const env = () => {
  const e = { ...process.env };
  delete e.TESSERA_PASSPHRASE;
  delete e.TESSERA_STORAGE_PASSPHRASE;
  delete e.TESSERA_PRODUCTION;
  return e;
};

/** Runs the CLI with stdin a pipe (not a terminal). */
function cli(args: string[], extraEnv: Record<string, string> = {}, input = '') {
  const [bin, ...pre] = cliArgv('node');
  const r = spawnSync(bin!, [...pre, ...args], {
    cwd: ROOT,
    env: { ...env(), ...extraEnv },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the CLI on a pseudo-terminal (python3's pty module): for each step, waits for `expect` in
 * the output, then writes `send` as one chunk. Reports the exit status, the output, and whether
 * the terminal has echo and canonical mode back once the CLI has exited.
 */
const PTY_DRIVER = String.raw`
import json, os, pty, select, subprocess, sys, termios, time
spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
p = subprocess.Popen(spec['argv'], stdin=slave, stdout=slave, stderr=slave, cwd=spec['cwd'], env=spec['env'], close_fds=True)
out = b''
deadline = time.monotonic() + 120
def pump(wait):
    global out
    r, _, _ = select.select([master], [], [], wait)
    if not r:
        return False
    try:
        out += os.read(master, 65536)
    except OSError:
        return False
    return True
def report(**kw):
    attrs = termios.tcgetattr(slave)
    kw.update(output=out.decode('utf8', 'replace'), echo=bool(attrs[3] & termios.ECHO), icanon=bool(attrs[3] & termios.ICANON))
    print(json.dumps(kw))
    sys.exit(0)
mark = 0
for step in spec['steps']:
    want = step['expect'].encode()
    while True:
        i = out.find(want, mark)
        if i >= 0:
            mark = i + len(want)
            break
        if time.monotonic() > deadline:
            p.kill()
            report(error='timed out waiting for ' + step['expect'])
        if not pump(0.2) and p.poll() is not None:
            report(error='exited before ' + step['expect'], status=p.returncode)
    os.write(master, step['send'].encode())
while p.poll() is None or pump(0.1):
    if time.monotonic() > deadline:
        p.kill()
        report(error='did not exit')
    pump(0.1)
report(status=p.returncode)
`;

function onPty(
  args: string[],
  steps: { expect: string; send: string }[],
  runtime: 'node' | 'bun' | 'deno' = 'node',
): { status?: number; output: string; echo: boolean; icanon: boolean; error?: string } {
  const spec = { argv: [...cliArgv(runtime), ...args], cwd: ROOT, env: env(), steps };
  const r = spawnSync('python3', ['-c', PTY_DRIVER, JSON.stringify(spec)], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const mode = (path: string) => statSync(path).mode & 0o777;
const wrongPassphrase = (e: unknown) => e instanceof WrongPassphraseError;

describe('the passphrase prompt, on a real pseudo-terminal', () => {
  const PASS = 'correct horse battery staple';

  for (const runtime of ['node', 'bun', 'deno'] as const) {
    test(`a paste ending in CR with a backspace in it, a mismatched confirmation, then a match given in one chunk (the CLI under ${runtime})`, async () => {
      const out = join(dir, `pty1-${runtime}`);
      const r = onPty(
        ['identity', 'generate', '--node', 'node0', '--encrypt', '--out', out],
        [
          // One pasted chunk: a typo, DEL erasing it, CR.
          { expect: 'passphrase: ', send: `${PASS.slice(0, -1)}X\u007f${PASS.slice(-1)}\r` },
          { expect: 'confirm passphrase: ', send: 'correct horse battery stable\r' },
          // Both lines in one chunk, the second after a CRLF (the LF is not a third, empty line).
          { expect: 'try again', send: `${PASS}\r\n${PASS}\r` },
        ],
        runtime,
      );
      assert.equal(r.error, undefined, r.output);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /passphrases do not match; try again/);
      assert.ok(!r.output.includes('horse'), `the passphrase was echoed: ${r.output}`);
      assert.ok(r.echo && r.icanon, 'the terminal is back to echo and canonical mode');
      const key = join(out, 'node0.key.age');
      assert.equal(mode(key), 0o600);
      const bytes = new Uint8Array(readFileSync(key));
      assert.equal((await openPrivateIdentity(bytes, PASS)).nodeId, 'node0');
      // Not the raw bytes typed, and not the line with its CR.
      await assert.rejects(
        openPrivateIdentity(bytes, `${PASS.slice(0, -1)}X\u007f${PASS.slice(-1)}`),
        wrongPassphrase,
      );
      await assert.rejects(openPrivateIdentity(bytes, `${PASS}\r`), wrongPassphrase);
    });
  }

  test('a too-short passphrase is refused and asked again; Ctrl-D on an empty line gives up without writing a key', () => {
    const out = join(dir, 'pty2');
    const r = onPty(
      ['identity', 'generate', '--node', 'node0', '--encrypt', '--out', out],
      [
        { expect: 'passphrase: ', send: 'short\r' },
        { expect: 'try again', send: '' },
        { expect: 'passphrase: ', send: '\u0004' },
      ],
    );
    assert.equal(r.error, undefined, r.output);
    assert.equal(r.status, 2, r.output);
    assert.match(r.output, /shorter than 12 characters; try again/);
    assert.match(r.output, /no passphrase entered/);
    assert.ok(r.echo && r.icanon);
    assert.ok(!existsSync(join(out, 'node0.key.age')));
  });

  test('Ctrl-C exits 130 with the terminal restored and no key written', () => {
    const out = join(dir, 'pty3');
    const r = onPty(
      ['identity', 'generate', '--node', 'node0', '--encrypt', '--out', out],
      [{ expect: 'passphrase: ', send: 'half a pass\u0003' }],
    );
    assert.equal(r.error, undefined, r.output);
    assert.equal(r.status, 130, r.output);
    assert.ok(r.echo && r.icanon);
    assert.ok(!existsSync(join(out, 'node0.key.age')));
  });

  test('stdin that is not a terminal, with no passphrase source: a clear error, not a hang', () => {
    const r = cli(
      ['identity', 'generate', '--node', 'node0', '--encrypt', '--out', join(dir, 'nontty')],
      {},
      'correct horse battery staple\n',
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /stdin is not a terminal/);
  });

  test('the line editor: CR, LF and CRLF end a line, escape sequences and controls are dropped, Ctrl-U clears', () => {
    const e = new LineEditor();
    assert.deepEqual(e.feed('a\rb\nc\r'), [{ line: 'a' }, { line: 'b' }, { line: 'c' }]);
    // The LF of a CRLF split across chunks is still one line end.
    assert.deepEqual(e.feed('\nd\u001b[Ae\u001b[200~f\u001b[201~\r'), [{ line: 'def' }]);
    assert.deepEqual(e.feed('junk\u0015pä\u00df\u007f\u007fss\r'), [{ line: 'pss' }]);
    assert.deepEqual(e.feed('x\u0004y\r\u0003z'), [{ line: 'xy' }, { abort: 'interrupt' }]);
  });
});

describe('every passphrase source: at least 12 characters, exactly one trailing newline stripped', () => {
  test('--passphrase-file: too short is refused naming the file; CRLF is stripped, surrounding spaces are not', async () => {
    const short = join(dir, 'short.pass');
    writeFileSync(short, 'elevenchars\n');
    let r = cli([
      'identity',
      'generate',
      '--node',
      'node1',
      '--encrypt',
      '--passphrase-file',
      short,
      '--out',
      join(dir, 'pf'),
    ]);
    assert.equal(r.status, 2);
    assert.ok(
      r.stderr.includes(`passphrase file ${short} is shorter than 12 characters`),
      r.stderr,
    );
    const spaced = join(dir, 'spaced.pass');
    writeFileSync(spaced, '  twelve chars  \r\n');
    r = cli([
      'identity',
      'generate',
      '--node',
      'node1',
      '--encrypt',
      '--passphrase-file',
      spaced,
      '--out',
      join(dir, 'pf'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const bytes = new Uint8Array(readFileSync(join(dir, 'pf', 'node1.key.age')));
    assert.equal((await openPrivateIdentity(bytes, '  twelve chars  ')).nodeId, 'node1');
    await assert.rejects(openPrivateIdentity(bytes, 'twelve chars'), wrongPassphrase);
    await assert.rejects(openPrivateIdentity(bytes, '  twelve chars  \r'), wrongPassphrase);
  });

  test('TESSERA_PASSPHRASE too short is refused naming the variable', () => {
    const r = cli(
      ['identity', 'generate', '--node', 'node2', '--encrypt', '--out', join(dir, 'envp')],
      { TESSERA_PASSPHRASE: 'short' },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /environment variable TESSERA_PASSPHRASE is shorter than 12 characters/);
  });

  test('a node: passphraseFile and TESSERA_STORAGE_PASSPHRASE too short are refused naming the source', () => {
    const d = join(dir, 'nodecfg');
    mkdirSync(d);
    writeFileSync(join(d, 'n.pass'), 'short\n');
    writeFileSync(
      join(d, 'n.json'),
      JSON.stringify({
        nodeId: 'n',
        manifest: 'cluster.json',
        identity: 'n.key.age',
        passphraseFile: 'n.pass',
        nats: { servers: ['nats://127.0.0.1:1'] },
        storage: { driver: 'fs' },
      }),
    );
    const cfg = loadConfig(join(d, 'n.json'));
    assert.throws(() => identityPassphrase(cfg), {
      name: 'PassphraseError',
      message: `the passphrase from passphrase file ${join(d, 'n.pass')} is shorter than 12 characters`,
    });
    writeFileSync(join(d, 'n.pass'), 'long enough passphrase\n\n');
    // Only one newline is stripped: the second is part of the passphrase.
    assert.equal(identityPassphrase(cfg), 'long enough passphrase\n');
    process.env.TESSERA_STORAGE_PASSPHRASE = 'too short';
    try {
      assert.throws(() => storageKey(cfg, 'c'), {
        name: 'PassphraseError',
        message: /environment variable TESSERA_STORAGE_PASSPHRASE is shorter than 12/,
      });
    } finally {
      delete process.env.TESSERA_STORAGE_PASSPHRASE;
    }
  });
});

describe('secret files: 0600, exclusive create, --force replaces atomically', () => {
  test('backup keygen refuses to overwrite a backup identity; --force replaces it, 0600', () => {
    const out = join(dir, 'backup.agekey');
    const first = cli(['backup', 'keygen', '--out', out]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(mode(out), 0o600);
    const before = readFileSync(out, 'utf8');
    const again = cli(['backup', 'keygen', '--out', out]);
    assert.notEqual(again.status, 0);
    assert.ok(again.stderr.includes(`${out} already exists`), again.stderr);
    assert.equal(readFileSync(out, 'utf8'), before);
    // A file left world-readable by an older version: --force leaves a fresh 0600 file.
    chmodSync(out, 0o644);
    const forced = cli(['backup', 'keygen', '--out', out, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.notEqual(readFileSync(out, 'utf8'), before);
    assert.match(readFileSync(out, 'utf8'), /^AGE-SECRET-KEY-1/);
    assert.equal(forced.stdout.trim().startsWith('age1'), true);
    assert.equal(mode(out), 0o600);
  });

  test('identity and initiator keys are 0600 and never overwritten without --force', () => {
    const out = join(dir, 'keys');
    assert.equal(cli(['identity', 'generate', '--node', 'node0', '--out', out]).status, 0);
    assert.equal(cli(['initiator', 'generate', '--id', 'ops', '--out', out]).status, 0);
    for (const f of ['node0.key', 'ops.initiator.key']) assert.equal(mode(join(out, f)), 0o600, f);
    const key = readFileSync(join(out, 'node0.key'), 'utf8');
    const ops = readFileSync(join(out, 'ops.initiator.key'), 'utf8');
    const id = cli(['identity', 'generate', '--node', 'node0', '--out', out]);
    assert.equal(id.status, 2);
    assert.match(id.stderr, /node0\.key already exists; refusing to overwrite/);
    const ini = cli(['initiator', 'generate', '--id', 'ops', '--out', out]);
    assert.equal(ini.status, 2);
    assert.match(ini.stderr, /ops\.initiator\.key already exists/);
    assert.equal(readFileSync(join(out, 'node0.key'), 'utf8'), key);
    assert.equal(readFileSync(join(out, 'ops.initiator.key'), 'utf8'), ops);
    chmodSync(join(out, 'node0.key'), 0o644);
    assert.equal(
      cli(['identity', 'generate', '--node', 'node0', '--out', out, '--force']).status,
      0,
    );
    assert.equal(cli(['initiator', 'generate', '--id', 'ops', '--out', out, '--force']).status, 0);
    assert.notEqual(readFileSync(join(out, 'node0.key'), 'utf8'), key);
    assert.notEqual(readFileSync(join(out, 'ops.initiator.key'), 'utf8'), ops);
    for (const f of ['node0.key', 'ops.initiator.key']) assert.equal(mode(join(out, f)), 0o600, f);
    // The public halves match the new private keys.
    const pub = JSON.parse(readFileSync(join(out, 'node0.identity.json'), 'utf8'));
    assert.equal(JSON.parse(readFileSync(join(out, 'node0.key'), 'utf8')).nodeId, pub.nodeId);
  });
});

describe('production: true refuses to start without each safeguard, and starts with all of them', () => {
  const d = join(dir, 'prod');
  let base: Record<string, any>;
  let configPath: string;
  let natsStop: (() => Promise<void>) | undefined;
  after(async () => natsStop?.());

  test('a complete production config starts (mutual TLS, nkey credentials the server requires, encrypted identity, fs storage)', async () => {
    const certs = makeCerts(join(d, 'certs'));
    const server = await startNats(join(d, 'nats'), certs);
    natsStop = server.stop;
    const { configs } = await makeCluster(d, ['node0'], server.url, certs);
    configPath = configs[0]!;
    base = JSON.parse(readFileSync(configPath, 'utf8'));
    assert.equal(base.production, true);
    const node = await startNode(configPath);
    assert.equal(await node.stop('SIGTERM'), 0);
  });

  const plaintextIdentity = async () => {
    const path = join(d, 'plain.key');
    if (!existsSync(path))
      writeFileSync(path, await sealPrivateIdentity(generateIdentity('node0').private, undefined), {
        mode: 0o600,
      });
    return 'plain.key';
  };
  const cases: {
    missing: string;
    edit: (c: Record<string, any>) => Promise<void> | void;
    says: RegExp;
  }[] = [
    {
      missing: 'TLS URLs',
      edit: (c) => void (c.nats.servers = [c.nats.servers[0].replace('tls://', 'nats://')]),
      says: /TLS NATS URLs \(use tls:\/\/, not nats:\/\//,
    },
    {
      missing: 'the CA',
      edit: (c) => void delete c.nats.tls.caFile,
      says: /a CA to verify the NATS server \(nats\.tls\.caFile\)/,
    },
    {
      missing: 'the client certificate',
      edit: (c) => void delete c.nats.tls.certFile,
      says: /a client certificate and key for mutual TLS/,
    },
    {
      missing: 'the client key',
      edit: (c) => void delete c.nats.tls.keyFile,
      says: /a client certificate and key for mutual TLS/,
    },
    {
      missing: 'NATS credentials',
      edit: (c) => void delete c.nats.nkeySeedFile,
      says: /NATS credentials \(nats\.credsFile or nats\.nkeySeedFile\)/,
    },
    {
      missing: 'an encrypted identity',
      edit: async (c) => void (c.identity = await plaintextIdentity()),
      says: /an encrypted identity \(.*plain\.key is plaintext/,
    },
    {
      missing: 'persistent storage',
      edit: (c) => void (c.storage.driver = 'memory'),
      says: /persistent storage \(storage\.driver is memory: use fs or redis\)/,
    },
  ];
  for (const { missing, edit, says } of cases) {
    test(`without ${missing}: refused, naming it and nothing else`, async () => {
      const c = structuredClone(base);
      await edit(c);
      const path = join(d, `missing-${missing.replace(/\W+/g, '-')}.json`);
      writeFileSync(path, JSON.stringify(c));
      const r = cli(['node', 'start', '--config', path]);
      assert.equal(r.status, 1, r.stderr + r.stdout);
      assert.match(r.stderr, /ProductionConfigError: production mode refuses to start without: /);
      assert.match(r.stderr, says);
      assert.equal(r.stderr.split(';').length, 1, `only ${missing} is named: ${r.stderr}`);
    });
  }

  test('with everything missing: one error naming every item', async () => {
    const c = structuredClone(base);
    for (const { edit } of cases) await edit(c);
    const path = join(d, 'missing-all.json');
    writeFileSync(path, JSON.stringify(c));
    const r = cli(['node', 'start', '--config', path]);
    assert.equal(r.status, 1);
    for (const { says } of cases) assert.match(r.stderr, says);
  });
});
