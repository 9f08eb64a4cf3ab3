// The demo page: reads the form, runs demo.js with the Web Worker backend, draws the particles.
import { setWorkerBackend, webWorkerBackend } from '@sgmkit/sampler';
import { DEFAULTS, METHODS, runDemo } from './demo.js';

setWorkerBackend(webWorkerBackend({ url: new URL('./sgmkit-worker.js', import.meta.url) }));

const $ = (id) => document.getElementById(id);
const FIELDS = [
  'target',
  'sampler',
  'method',
  'T',
  'steps',
  'delta',
  'n',
  'seed',
  'workers',
  'mean',
  'covariance',
  'points',
  'trainSteps',
];
const NUMERIC = new Set(['T', 'steps', 'delta', 'n', 'seed', 'workers', 'trainSteps']);
let last;

function fillMethods(sampler, selected) {
  $('method').replaceChildren(...METHODS[sampler].map((m) => new Option(m, m, false, m === selected)));
}

function readForm() {
  return Object.fromEntries(FIELDS.map((f) => [f, NUMERIC.has(f) ? Number($(f).value) : $(f).value]));
}

function writeForm(options) {
  fillMethods(options.sampler, options.method);
  for (const f of FIELDS) $(f).value = String(options[f]);
}

/** Square view covering the target and the particles (ignoring far outliers). */
function viewBox(frames, dim) {
  let extent = 4.5;
  for (const frame of [frames[0], frames[frames.length - 1]]) {
    const sorted = Array.from(frame, Math.abs).sort((a, b) => a - b);
    extent = Math.max(extent, sorted[Math.floor(0.995 * (sorted.length - 1))] * 1.1);
  }
  return dim === 1 ? { extent, oneD: true } : { extent, oneD: false };
}

function draw(frameIndex) {
  const canvas = $('canvas');
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  if (last === undefined) return;
  const { frames, times, dim, view } = last;
  const scale = width / (2 * view.extent);
  const px = (x) => width / 2 + x * scale;
  const py = (y) => height / 2 - y * scale;
  context.strokeStyle = '#dddddd';
  context.beginPath();
  context.moveTo(0, height / 2);
  context.lineTo(width, height / 2);
  context.moveTo(width / 2, 0);
  context.lineTo(width / 2, height);
  context.stroke();
  if (last.points !== undefined && dim >= 2) {
    context.fillStyle = '#e6550d';
    const p = last.points;
    for (let i = 0; i < p.shape[0]; i++)
      context.fillRect(px(p.data[p.offset + i * dim]) - 3, py(p.data[p.offset + i * dim + 1]) - 3, 6, 6);
  }
  const frame = frames[frameIndex];
  context.fillStyle = 'rgba(49, 130, 189, 0.75)';
  const m = frame.length / dim;
  for (let i = 0; i < m; i++) {
    const x = frame[i * dim];
    const y = dim >= 2 ? frame[i * dim + 1] : (((i * 0.618034) % 1) - 0.5) * view.extent;
    context.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3);
  }
  $('frameLabel').textContent =
    `${frameIndex} / ${frames.length - 1}: forward time t = ${times[frameIndex].toPrecision(4)}`;
}

const format = (v) => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4));

function showStats(run) {
  const { stats, dim } = run;
  const rows = [];
  for (let j = 0; j < dim; j++) {
    const exact = stats.exact;
    rows.push(
      `<tr><td>x${j}</td><td>${format(stats.mean[j])}</td><td>${exact ? format(exact.mean[j]) : '–'}</td>` +
        `<td>${format(stats.covariance[j * dim + j])}</td><td>${exact ? format(exact.covariance[j * dim + j]) : '–'}</td></tr>`,
    );
  }
  const exact = stats.exact
    ? `<p>exact output law against the target: KL = ${stats.exact.kl.toExponential(3)} nats, W2 = ${stats.exact.w2.toExponential(3)}</p>`
    : '<p>(exact output law: Gaussian targets only)</p>';
  $('stats').innerHTML =
    `<table><tr><th></th><th>mean</th><th>exact mean</th><th>variance</th><th>exact variance</th></tr>${rows.join('')}</table>${exact}`;
}

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

/** Runs the demo with `options` (the form's values), shows it, and returns a summary (the test reads it). */
async function run(options) {
  writeForm(options);
  setStatus('sampling…');
  try {
    const result = await runDemo(options);
    last = { ...result, view: viewBox(result.frames, result.dim) };
    $('frame').max = String(result.frames.length - 1);
    $('frame').value = $('frame').max;
    draw(result.frames.length - 1);
    showStats(result);
    const isolated = globalThis.crossOriginIsolated === true;
    setStatus(
      `${options.n} particles, ${options.steps} steps in ${result.wallTimeMs.toFixed(0)} ms on ${result.workers} thread(s)` +
        `${isolated ? '' : ' (page not cross-origin isolated: no workers)'}; hash ${result.hash}`,
    );
    return {
      hash: result.hash,
      workers: result.workers,
      crossOriginIsolated: isolated,
      frames: result.frames.length,
      trajectoriesMatch: result.trajectoriesMatch,
      stats: result.stats,
      wallTimeMs: result.wallTimeMs,
    };
  } catch (error) {
    setStatus(String(error?.message ?? error), true);
    throw error;
  }
}

$('sampler').addEventListener('change', () => fillMethods($('sampler').value, undefined));
$('target').addEventListener('change', () => {
  if (['points', 'learned'].includes($('target').value) && Number($('delta').value) === 0) $('delta').value = '0.01';
});
$('frame').addEventListener('input', () => draw(Number($('frame').value)));

// Play: step the slider from the start of the reverse process (t = T) to its end, one frame per animation frame.
let playing = false;
function playFrom(index) {
  if (!playing || last === undefined) return;
  $('frame').value = String(index);
  draw(index);
  if (index + 1 < last.frames.length) requestAnimationFrame(() => playFrom(index + 1));
  else playing = false;
}
$('play').addEventListener('click', () => {
  if (last === undefined) return;
  playing = true;
  playFrom(0);
});
$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  void run(readForm()).catch(() => {});
});

writeForm({ ...DEFAULTS, workers: Math.min(4, navigator.hardwareConcurrency || 1) });
draw(0);
setStatus('ready');
globalThis.sgmkitDemo = { run, defaults: DEFAULTS, ready: true };
