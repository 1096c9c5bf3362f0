// Runs one test case in a fresh Node process with cossim loaded for the same backend
// (COSSIM_BACKEND), so that a trap, a hang or a memory growth in one case cannot leak into
// another, and so that a case that must start from the module's initial 1 MiB memory does.
//
//   isolated(fn, { timeout }) -> { ok, timedOut, value, error, stderr, ms }
//
// fn is a self-contained function `async (ctx) => value` (its source is sent to the child, so
// it may use only ctx: { cossim, ref, assert, check }, check = edges-checks.mjs); value must be
// JSON-serialisable. A case that does not finish within `timeout` ms is killed (a synchronous
// WebAssembly loop cannot be interrupted by node:test's own timeout, so this bounds it).
//
// Run as a script, this file is the child: it reads the function's source from stdin.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const MARK = '\u0001RESULT ';

// substitute: { TOKEN: value } replaces each TOKEN in fn's source by String(value) (to pass
// per-case constants into the child).
export function isolated(fn, { timeout = 10000, nodeArgs = [], substitute = {} } = {}) {
  let source = fn.toString();
  for (const [token, value] of Object.entries(substitute)) source = source.split(token).join(String(value));
  const started = Date.now();
  const r = spawnSync(process.execPath, [...nodeArgs, SELF, '--child'], {
    input: source,
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
    env: process.env,
  });
  const ms = Date.now() - started;
  const timedOut = r.error?.code === 'ETIMEDOUT';
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  let parsed = null;
  if (line) parsed = JSON.parse(line.slice(MARK.length));
  return {
    ok: !timedOut && r.status === 0 && parsed !== null && parsed.ok,
    timedOut,
    status: r.status,
    signal: r.signal,
    value: parsed?.value,
    error: parsed?.error,
    stdout: r.stdout,
    stderr: r.stderr,
    ms,
  };
}

/** Describes an isolated run's failure for an assertion message. */
export function explain(run) {
  if (run.timedOut) return `did not finish within the time limit (killed after ${run.ms} ms)`;
  if (run.error) return `${run.error.ctor}: ${run.error.message}${run.error.stack ? `\n${run.error.stack}` : ''}`;
  return `child exited with status ${run.status} signal ${run.signal}\n${run.stderr?.slice(-2000)}`;
}

/** Serialisable description of a thrown value. */
export function describeThrown(e) {
  return {
    ctor: e?.constructor?.name ?? typeof e,
    message: String(e?.message ?? e),
    runtimeError: e instanceof WebAssembly.RuntimeError,
    stack: e?.stack?.split('\n').slice(0, 6).join('\n'),
  };
}

if (process.argv[1] === SELF && process.argv.includes('--child')) {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const source = chunks.join('');
  const { cossim } = await import('./harness.mjs');
  const ref = await import('./reference.mjs');
  const check = await import('./edges-checks.mjs');
  const { default: assert } = await import('node:assert/strict');
  let out;
  try {
    // eslint-disable-next-line no-new-func
    const fn = new Function(`return (${source});`)();
    const value = await fn({ cossim, ref, assert, check });
    out = { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    out = { ok: false, error: describeThrown(e) };
  }
  process.stdout.write(`${MARK}${JSON.stringify(out)}\n`);
  process.exit(0);
}
