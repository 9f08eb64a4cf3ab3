// Runs fuzz configurations [from, to) in this process and reports each outcome to the parent (run.mjs), which
// watches for hangs and crashes. Started with cwd in a scratch directory: the CLI case may write files.
import * as t from '@sgmkit/tensor';
import * as sc from '@sgmkit/score';
import * as s from '@sgmkit/sampler';
import * as io from '@sgmkit/sampler/io';
import * as cli from '../../packages/sampler/dist/cli/run.js';
import { CASES } from './cases.mjs';
import { Generator } from './generate.mjs';

const [seed, from, to, plant] = process.argv.slice(2).map(Number);

/** Cases that fail on purpose, so the harness's own test can see it report failures. */
const PLANTED = [
  {
    name: 'planted untyped exception',
    make: () => () => {
      throw new TypeError('planted');
    },
  },
  { name: 'planted crash', make: () => () => process.kill(process.pid, 'SIGKILL') },
];
const cases = plant === 1 ? [...CASES, ...PLANTED] : CASES;
const lib = { t, sc, s, io, cli };

/** True when every number reachable from `value` (numbers, typed arrays, arrays, plain objects) is finite. */
function allFinite(value, depth = 0) {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object' || depth > 5) return true;
  if (ArrayBuffer.isView(value))
    return Array.prototype.every.call(value, (v) => typeof v !== 'number' || Number.isFinite(v));
  if (Array.isArray(value)) return value.every((v) => allFinite(v, depth + 1));
  return Object.values(value).every((v) => allFinite(v, depth + 1));
}

/** A sampler result whose non-finite samples are all counted in its divergence report (reported, not silent). */
function reportedSampleResult(value) {
  if (value === null || typeof value !== 'object' || !value.samples || !value.diverged) return false;
  let nonFinite = 0;
  for (const v of value.samples.data) if (!Number.isFinite(v)) nonFinite++;
  return nonFinite > 0 && value.diverged.nonFinite > 0 && value.diverged.count >= value.diverged.nonFinite;
}

async function classify(index) {
  const g = new Generator(seed, index);
  const kase = cases[Math.floor(g.random() * cases.length)];
  let value;
  try {
    value = await kase.make(g, lib)();
  } catch (error) {
    if (error instanceof t.SgmkitError) return { kase, outcome: 'typed error', detail: error.message.slice(0, 160) };
    return { kase, outcome: 'untyped exception', detail: String(error?.stack ?? error).slice(0, 600) };
  }
  if (allFinite(value)) return { kase, outcome: 'finite success' };
  if (reportedSampleResult(value)) return { kase, outcome: 'non-finite samples, reported in result.diverged' };
  if (g.nonFinite) return { kase, outcome: 'non-finite output from non-finite input' };
  if (g.extreme) return { kase, outcome: 'overflow from an input above 1e150' };
  return { kase, outcome: 'non-finite success', detail: 'finite inputs gave a non-finite result without an error' };
}

for (let index = from; index < to; index++) {
  process.send({ type: 'start', index });
  const { kase, outcome, detail } = await classify(index);
  process.send({ type: 'done', index, name: kase.name, outcome, detail });
}
// the last message, then the channel closes once it has been handed over (the parent checks that it arrived)
process.send({ type: 'end' }, () => process.disconnect());
