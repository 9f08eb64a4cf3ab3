// Adam as one fused WebAssembly SIMD pass (FusedAdam, state resident in wasm memory) against the scalar loops, bit for
// bit, and float64 training end to end on the wasm backend (SIMD GEMM, SiLU epilogue, fused Adam) against the scalar
// backend: the same bits, with gradient clipping, EMA and held-out evaluations.
import { FusedAdam, RandomStream, batch, integerPower, setGemmBackend } from '@sgmkit/tensor';
import { createScoreNetwork, trainDenoisingScoreMatching } from '@sgmkit/score';
import { adamUpdate, createAdamState, emaUpdate } from '../../packages/score/dist/learned/adam.js';

afterEach(() => setGemmBackend('auto'));

test.each([
  [1, 'float64', true],
  [7, 'float32', true],
  [1000, 'float64', false],
  [1001, 'float32', false],
  [64, 'float32', true],
] as const)(
  'FusedAdam over %i parameters (%s gradient, average %s) is the scalar Adam + EMA, bit for bit',
  (size, dtype, keepAverage) => {
    const rng = new RandomStream(size);
    const start = new Float64Array(size);
    rng.fillNormal(start);
    const fused = new FusedAdam(size, dtype, keepAverage);
    fused.parameters.set(start);
    fused.average?.set(start);
    const parameters = start.slice();
    const average = start.slice();
    const weights32 = new Float32Array(size);
    const state = createAdamState(size);
    const options = { learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const noise = new Float64Array(size);
    for (let step = 1; step <= 12; step++) {
      rng.fillNormal(noise);
      // Gradients over many scales, zeros included.
      const gradient = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
      for (let i = 0; i < size; i++) gradient[i] = i % 5 === 0 ? 0 : noise[i]! * 10 ** ((i % 9) - 4);
      fused.gradient.set(gradient);
      const decay = Math.min(0.999, (1 + step) / (10 + step));
      fused.update({
        ...options,
        firstCorrection: 1 / (1 - integerPower(0.9, step)),
        secondCorrection: 1 / (1 - integerPower(0.999, step)),
        decay,
      });
      adamUpdate(parameters, gradient, state, options, dtype === 'float32' ? weights32 : undefined);
      emaUpdate(average, parameters, decay);
    }
    expect(Array.from(fused.parameters)).toEqual(Array.from(parameters));
    expect(Array.from(fused.firstMoment)).toEqual(Array.from(state.firstMoment));
    expect(Array.from(fused.secondMoment)).toEqual(Array.from(state.secondMoment));
    if (dtype === 'float32') expect(Array.from(fused.weights32!)).toEqual(Array.from(weights32));
    else expect(fused.weights32).toBeUndefined();
    if (keepAverage) expect(Array.from(fused.average!)).toEqual(Array.from(average));
    else expect(fused.average).toBeUndefined();
  },
);

test('float64 training on the wasm backend gives the bits of the scalar backend (clipping, EMA, evaluations)', () => {
  const data = batch(300, 3);
  new RandomStream(1).fillNormal(data.data);
  const heldOut = batch(50, 3);
  new RandomStream(2).fillNormal(heldOut.data);
  const run = (backend: 'wasm' | 'scalar') => {
    setGemmBackend(backend);
    const network = createScoreNetwork({ dim: 3, hiddenWidths: [17, 9], seed: 2 });
    const result = trainDenoisingScoreMatching(network, data, {
      steps: 30,
      batchSize: 70,
      seed: 4,
      emaDecay: 0.99,
      gradientClipNorm: 0.5,
      heldOut,
      evaluateEvery: 10,
    });
    return {
      parameters: Array.from(network.parameters),
      ema: Array.from(result.ema!.parameters),
      losses: Array.from(result.losses),
      evaluations: result.evaluations,
    };
  };
  const wasm = run('wasm');
  const scalar = run('scalar');
  expect(wasm.parameters).toEqual(scalar.parameters);
  expect(wasm.ema).toEqual(scalar.ema);
  expect(wasm.losses).toEqual(scalar.losses);
  expect(wasm.evaluations).toEqual(scalar.evaluations);
  expect(wasm.evaluations).toHaveLength(3);
});
