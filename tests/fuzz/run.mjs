// The seeded fuzz harness (issue 14): random configurations of the public API, valid and invalid inputs mixed,
// each classified as typed sgmkit error, finite success, reported or explained non-finite output, untyped
// exception, non-finite success, crash or hang. Fails (exit 1) on the last four.
//
//   npx -y pnpm@10 run fuzz -- --configs 2000 --seed 1 [--only <index>] [--timeout-ms 20000] [--json] [--plant]
//
// Configurations run in a child process; one that does not finish within --timeout-ms is a hang, one whose
// process dies is a crash, and the run goes on with a fresh child from the next configuration.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FAILURES = new Set(['untyped exception', 'non-finite success', 'crash', 'hang']);

function parse(argv) {
  const options = { configs: 2000, seed: 1, only: undefined, timeoutMs: 20_000, json: false, plant: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') options.json = true;
    else if (flag === '--plant')
      options.plant = true; // adds cases that fail on purpose (the harness's own test)
    else if (flag === '--configs') options.configs = Number(argv[++i]);
    else if (flag === '--seed') options.seed = Number(argv[++i]);
    else if (flag === '--only') options.only = Number(argv[++i]);
    else if (flag === '--timeout-ms') options.timeoutMs = Number(argv[++i]);
    else if (flag !== '--')
      throw new Error(`fuzz: unknown option ${flag}; options: --configs N --seed S --only I --timeout-ms T --json`);
  }
  for (const key of ['configs', 'seed', 'timeoutMs']) {
    if (!Number.isInteger(options[key]) || options[key] < 0)
      throw new Error(`fuzz: --${key} must be a non-negative integer; got ${options[key]}`);
  }
  return options;
}

/** Runs configurations [from, to) in one child; resolves with where it stopped and why. */
function runChild(options, from, to, record, cwd) {
  return new Promise((done) => {
    const child = fork(
      fileURLToPath(new URL('./child.mjs', import.meta.url)),
      [options.seed, from, to, options.plant ? 1 : 0].map(String),
      { cwd, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    let current;
    let lastDone = from - 1;
    let stderr = '';
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        record(current, 'crash-or-hang', 'hang', `no result within ${options.timeoutMs} ms`);
        child.kill('SIGKILL');
      }, options.timeoutMs);
    };
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    let sawEnd = false;
    child.on('message', (message) => {
      if (message.type === 'end') {
        sawEnd = true;
        settle();
        return;
      }
      if (message.type === 'start') {
        current = message.index;
        arm();
        return;
      }
      clearTimeout(timer);
      record(message.index, message.name, message.outcome, message.detail);
      lastDone = message.index;
      current = undefined;
    });
    // Settle only when the process has ended ('close') and its IPC channel has delivered every message. A child that
    // finishes its range says so last ('end'); 'disconnect' and 'close' can come before the last messages are
    // dispatched, so a child that exited 0 without its 'end' gets a grace period for them before it counts as crashed.
    let ended;
    let disconnected = false;
    let graceTimer;
    let settled = false;
    const settle = () => {
      if (settled || ended === undefined || !disconnected) return;
      if (ended[0] === 0 && !sawEnd && graceTimer === undefined) {
        graceTimer = setTimeout(() => {
          graceTimer = null;
          settle();
        }, 1000);
        return;
      }
      if (graceTimer) return;
      settled = true;
      clearTimeout(timer);
      const [code, signal] = ended;
      const finished = code === 0 && sawEnd && lastDone === to - 1;
      // a child that dies between configurations (e.g. from work a finished configuration left running) crashed on the last one
      const culprit = current ?? lastDone;
      if (!finished && culprit >= from && !(current !== undefined && record.has(current))) {
        record.replace(
          culprit,
          'crash-or-hang',
          'crash',
          `child exited with ${signal ?? code} during or after configuration ${culprit}: ${stderr.trim().slice(-400)}`,
        );
      }
      done(finished ? to : Math.max(culprit + 1, from + 1));
    };
    child.on('disconnect', () => {
      disconnected = true;
      settle();
    });
    child.on('close', (code, signal) => {
      ended = [code, signal];
      settle();
    });
  });
}

async function main() {
  const options = parse(process.argv.slice(2));
  const [first, last] = options.only === undefined ? [0, options.configs] : [options.only, options.only + 1];
  const results = new Map();
  const record = (index, name, outcome, detail) => {
    if (!results.has(index)) results.set(index, { index, name, outcome, detail });
  };
  record.has = (index) => results.has(index);
  record.replace = (index, name, outcome, detail) => {
    const previous = results.get(index);
    results.set(index, { index, name: previous?.name ?? name, outcome, detail });
  };
  const cwd = mkdtempSync(join(tmpdir(), 'sgmkit-fuzz-'));
  const started = performance.now();
  try {
    for (let next = first; next < last;) next = await runChild(options, next, last, record, cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const rows = [...results.values()];
  const counts = {};
  const byCase = {};
  for (const r of rows) {
    counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    byCase[r.name] ??= {};
    byCase[r.name][r.outcome] = (byCase[r.name][r.outcome] ?? 0) + 1;
  }
  const failures = rows.filter((r) => FAILURES.has(r.outcome));
  const summary = {
    seed: options.seed,
    configs: rows.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    counts,
    byCase,
    failures: failures.slice(0, 50),
  };
  if (options.json) console.log(JSON.stringify(summary));
  else {
    console.log(`fuzz: ${rows.length} configurations, seed ${options.seed}, ${summary.seconds} s`);
    for (const [outcome, count] of Object.entries(counts).sort((a, b) => b[1] - a[1]))
      console.log(`  ${String(count).padStart(7)}  ${outcome}${FAILURES.has(outcome) ? '   <-- failure' : ''}`);
    for (const f of failures.slice(0, 20))
      console.log(
        `\n#${f.index} ${f.name}: ${f.outcome}\n  ${f.detail ?? ''}\n  replay: npx -y pnpm@10 run fuzz -- --seed ${options.seed} --only ${f.index}`,
      );
  }
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 2;
});
