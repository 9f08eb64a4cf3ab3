import { InvalidArgumentError, batch, fromArray } from '@sgmkit/tensor';
import { clippedScore, gaussianScore, scoreFromSpec } from '@sgmkit/score';
import type { Score } from '@sgmkit/score';
import { sampleDDPM } from '@sgmkit/sampler';

const values = (b: { data: ArrayLike<number>; offset: number; shape: readonly number[] }) =>
  Array.from(b.data as Float64Array).slice(b.offset, b.offset + b.shape[0]! * b.shape[1]!);

describe('clippedScore: the score implied by the clamped denoised prediction', () => {
  test('clamped coordinates get s = (e^{−t} x̂₀ − x)/σ_t², the others keep the base output bit for bit', () => {
    const base = gaussianScore({ mean: [0, 0], covariance: [4, 4] });
    const clipped = clippedScore(base, { lower: [-1, -1], upper: [1, 1] });
    const t = 0.3;
    const x = fromArray([0.2, 0.1, 3, -4], [2, 2]);
    const raw = batch(2, 2);
    const out = batch(2, 2);
    base.evaluate(t, x, raw);
    clipped.evaluate(t, x, out);
    const e = Math.exp(-t);
    const v = 1 - Math.exp(-2 * t);
    for (let p = 0; p < 4; p++) {
      const prediction = (x.data[p]! + v * raw.data[p]!) / e; // Tweedie: E[X_0 | X_t = x] = μ + Σ Σ_t^{-1} e^{−t}(x − e^{−t}μ)
      expect(prediction).toBeCloseTo((4 * e * x.data[p]!) / (4 * e * e + v), 12);
      if (Math.abs(prediction) <= 1) expect(out.data[p]).toBe(raw.data[p]);
      else expect(out.data[p]).toBeCloseTo((e * Math.sign(prediction) - x.data[p]!) / v, 12);
    }
    // at t = 0 there is nothing to clip
    const atZero = batch(2, 2);
    clipped.evaluate(0, x, atZero);
    base.evaluate(0, x, raw);
    expect(values(atZero)).toEqual(values(raw));
  });

  test('a range covering ±10 data std leaves an exact Gaussian run bit-identical, on workers too (spec round trip)', async () => {
    const base = gaussianScore({
      mean: [1, -1],
      covariance: [
        [1, 0.5],
        [0.5, 2],
      ],
    });
    const clipped = clippedScore(base, {
      lower: [1 - 10, -1 - 10 * Math.SQRT2],
      upper: [1 + 10, -1 + 10 * Math.SQRT2],
    });
    expect(scoreFromSpec(JSON.parse(JSON.stringify(clipped.spec)))).toBeInstanceOf(Object);
    expect(clipped.dataMoments).toBe(base.dataMoments);
    const options = { T: 6, steps: 60, n: 4000, seed: 3 };
    const plain = await sampleDDPM(base, options);
    const one = await sampleDDPM(clipped, options);
    const two = await sampleDDPM(clipped, { ...options, workers: 2 });
    expect(values(one.samples)).toEqual(values(plain.samples));
    expect(values(two.samples)).toEqual(values(plain.samples));
  });

  test('a range inside the support changes the law: N(0, 1) data clipped to [−0.5, 0.5] has sample variance far below 1', async () => {
    const base = gaussianScore({ mean: [0], covariance: 1 });
    const { samples } = await sampleDDPM(clippedScore(base, { lower: [-0.5], upper: [0.5] }), {
      T: 6,
      steps: 200,
      delta: 1e-3,
      n: 4000,
      seed: 5,
    });
    let m2 = 0;
    for (let i = 0; i < 4000; i++) m2 += samples.data[i]! ** 2;
    // The unclipped exact output has variance ≈ 1 (SE of the sample variance ≈ √(2/4000) = 0.022).
    expect(m2 / 4000).toBeLessThan(0.5);
  });

  test('typed errors', () => {
    const base = gaussianScore({ mean: [0, 0], covariance: 1 });
    expect(() => clippedScore(base, { lower: [0], upper: [1, 1] })).toThrow(InvalidArgumentError);
    expect(() => clippedScore(base, { lower: [0, 0], upper: [1, -1] })).toThrow(
      /range\.upper\[1\]' must be a number >= range\.lower\[1\] = 0/,
    );
    expect(() => clippedScore(base, { lower: [0, Number.NaN], upper: [1, 1] })).toThrow(/range\.lower\[1\]/);
    expect(() => clippedScore(base, { lower: [0, -Infinity], upper: [1, 1] })).toThrow(/a finite number/);
    expect(() => clippedScore({ kind: 'cld', dim: 2 } as unknown as Score, { lower: [0, 0], upper: [1, 1] })).toThrow(
      /argument 'score.kind' must be 'ou'/,
    );
    expect(() => clippedScore(base, null as never)).toThrow(/argument 'range'/);
  });
});
