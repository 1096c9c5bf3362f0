// Two native checks of npm test (issue 8), also runnable on their own:
//   node scripts/native-checks.mjs fuzz [seconds]   a bounded libFuzzer run (clang, ASan+UBSan)
//   node scripts/native-checks.mjs valgrind         the GoogleTest suite under valgrind memcheck
// Each returns (and, run directly, exits with) 0 on success.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, run } from './lib.mjs';

// The libFuzzer harness tests/fuzz for `seconds` on a copy of the committed corpus (the run adds
// inputs to its corpus directory, which must not dirty the checkout). Known defects of today's
// core are fixed, so nothing is avoided, and huge dims (with a zero dim) are on (tests/fuzz/README.md).
export function fuzzRun(seconds = 60) {
  const dir = path.join('build', 'fuzz');
  const status =
    run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_CXX_COMPILER=clang++-14',
      '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DCOSSIM_FUZZ=ON', '-DCOSSIM_BUILD_TESTS=OFF']) ||
    run('cmake', ['--build', dir, '-j2', '--target', 'cossim_fuzz']);
  if (status) return status;
  const work = mkdtempSync(path.join(tmpdir(), 'cossim-fuzz-'));
  const corpus = path.join(work, 'corpus');
  cpSync(path.join(root, 'tests', 'fuzz', 'corpus'), corpus, { recursive: true });
  const args = [`-max_total_time=${seconds}`, '-timeout=10', '-rss_limit_mb=2048',
    '-print_final_stats=1', `-artifact_prefix=${work}/`, corpus];
  console.log(`\n$ COSSIM_FUZZ_HUGE_DIMS=1 ${dir}/cossim_fuzz ${args.join(' ')}`);
  const r = spawnSync(path.join(root, dir, 'cossim_fuzz'), args, {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 28,
    env: { ...process.env, COSSIM_FUZZ_HUGE_DIMS: '1' },
  });
  if (r.error) throw r.error;
  const log = `${r.stdout}${r.stderr}`;
  writeFileSync(path.join(root, dir, 'last-run.log'), log);
  // libFuzzer prints a line per new input; show the start, the end and the final statistics.
  const lines = log.split('\n');
  const keep = lines.filter((l) => /INITED|DONE|stat::|^INFO: (Running|Loaded|seed)/.test(l));
  console.log(keep.join('\n'));
  const inputs = readdirSync(corpus).length;
  console.log(`corpus after the run: ${inputs} inputs (full log: ${dir}/last-run.log)`);
  const crashes = readdirSync(work).filter((f) => /^(crash|leak|timeout|oom)-/.test(f));
  if (r.status !== 0 || crashes.length > 0) {
    const at = lines.findIndex((l) => /invariant violated|ERROR: (libFuzzer|AddressSanitizer)|runtime error/.test(l));
    console.log(lines.slice(Math.max(0, at - 5), at + 60).join('\n'));
    for (const c of crashes) {
      cpSync(path.join(work, c), path.join(root, dir, c));
      console.log(`reproducer: ${dir}/${c}  (replay: ${dir}/cossim_fuzz ${dir}/${c})`);
    }
    return r.status || 1;
  }
  rmSync(work, { recursive: true, force: true });
  return 0;
}

// Tests whose sizes make them take minutes under memcheck (~15x slower), and the axpby kernel
// test, whose bound (2 ulp of double) needs the long-double reference that valgrind does not
// emulate (it computes x87 long double in double precision); the ASan+UBSan and the plain runs
// keep them. Everything else runs under valgrind, in two shards in parallel.
const VALGRIND_SKIP = [
  'Search/SearchTest.PairwiseMatchesReferenceOverShapeSweep/*',
  'Search/SearchTest.TopKLargeKOneQueryPerPass/*',
  'Core/CosineSimilarityTest.LongRowsMatchReference/*',
  'AllSets/AxpbyTest.RandomRowsMatchLongDoubleReference/*',
];

// The native suite under memcheck, built for baseline x86-64-v2: valgrind 3.19 stops with SIGILL
// on the AVX-512 that -march=native emits on this machine.
export function valgrindRun() {
  const dir = path.join('build', 'valgrind');
  const status =
    run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
      '-DCOSSIM_MARCH=x86-64-v2', '-DCOSSIM_BUILD_BENCH=OFF']) ||
    run('cmake', ['--build', dir, '-j2', '--target', 'cossim_native_tests']);
  if (status) return status;
  const bin = path.join(dir, 'cossim_native_tests');
  const vg = 'valgrind --error-exitcode=1 --leak-check=full -q';
  const filter = `--gtest_filter=-${VALGRIND_SKIP.join(':')}`;
  const shard = (i) =>
    `GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=${i} ${vg} ${bin} --gtest_brief=1 '${filter}' ` +
    `> ${dir}/memcheck-${i}.log 2>&1`;
  const script = `${shard(0)} & a=$!; ${shard(1)} & b=$!; wait $a; ra=$?; wait $b; rb=$?; ` +
    `cat ${dir}/memcheck-0.log ${dir}/memcheck-1.log; exit $((ra | rb))`;
  return run('sh', ['-c', script]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [what, seconds] = process.argv.slice(2);
  if (what === 'fuzz') process.exit(fuzzRun(Number(seconds ?? 60)));
  if (what === 'valgrind') process.exit(valgrindRun());
  console.error('usage: node scripts/native-checks.mjs fuzz [seconds] | valgrind');
  process.exit(2);
}
