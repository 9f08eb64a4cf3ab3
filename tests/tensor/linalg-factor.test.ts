import {
  cholesky,
  solveLowerTriangular,
  solveUpperTriangular,
  choleskySolve,
  logDetFromCholesky,
  symmetricEigen,
  identity,
  matmul,
  trace,
  spdInverse,
  spdSqrt,
  spdFunction,
  transpose,
  fromArray,
  get2,
  NotPositiveDefiniteError,
  InvalidArgumentError,
  ShapeMismatchError,
  DTypeMismatchError,
  type Tensor,
} from '@sgmkit/tensor';
import { randomSpd, randomMatrix } from './linalg-helpers';

const EPS = 2 ** -52;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let worst = 0;
  for (let i = 0; i < a.shape[0]!; i++)
    for (let j = 0; j < a.shape[1]!; j++) worst = Math.max(worst, Math.abs(get2(a, i, j) - get2(b, i, j)));
  return worst;
}
function maxAbs(a: Tensor): number {
  let worst = 0;
  for (const v of a.data) worst = Math.max(worst, Math.abs(v));
  return worst;
}

describe('cholesky', () => {
  test.each([1, 2, 5, 12])('L Lᵀ reconstructs a random SPD matrix of order %i; L is lower triangular', (d) => {
    const a = randomSpd(d, 40 + d);
    const l = cholesky(a);
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) expect(get2(l, i, j)).toBe(0);
    for (let i = 0; i < d; i++) expect(get2(l, i, i)).toBeGreaterThan(0);
    // Backward-stable: ‖LLᵀ − A‖ ≲ d·eps·‖A‖ (Higham, Thm 10.3).
    expect(maxAbsDiff(matmul(l, transpose(l)), a)).toBeLessThanOrEqual(4 * d * EPS * maxAbs(a));
  });

  test('accepts float32 and strided input', () => {
    const a = randomSpd(4, 3);
    const f32: Tensor = { data: Float32Array.from(a.data), shape: [4, 4], stride: [4, 1], offset: 0 };
    const l = cholesky(transpose(f32));
    expect(l.data).toBeInstanceOf(Float64Array);
    expect(maxAbsDiff(matmul(l, transpose(l)), { ...f32, data: Float64Array.from(f32.data) })).toBeLessThan(
      1e-13 * maxAbs(a),
    );
  });

  test('solves, inverse and log-determinant agree with the definitions', () => {
    const d = 6;
    const a = randomSpd(d, 7);
    const l = cholesky(a);
    const b = randomMatrix(d, 1, 8).data as Float64Array;
    const x = choleskySolve(l, b);
    const ax = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ax[i] += get2(a, i, j) * x[j]!;
    ax.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-12));
    const y = solveLowerTriangular(l, b);
    const ly = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) ly[i] += get2(l, i, j) * y[j]!;
    ly.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-13));
    const u = transpose(l);
    const z = solveUpperTriangular(
      u,
      fromArray([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
        [9, 10],
        [11, 12],
      ]) as Tensor<Float64Array>,
    );
    const uz = matmul(u, z);
    expect(
      maxAbsDiff(
        uz,
        fromArray([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
          [9, 10],
          [11, 12],
        ]),
      ),
    ).toBeLessThan(1e-12);
    expect(maxAbsDiff(matmul(a, spdInverse(a)), identity(d))).toBeLessThan(1e-13);
    // det via the eigenvalues (independent algorithm).
    const logDet = symmetricEigen(a).values.reduce((s, v) => s + Math.log(v), 0);
    expect(Math.abs(logDetFromCholesky(l) - logDet)).toBeLessThan(1e-12 * Math.abs(logDet) + 1e-13);
  });

  test('closed form on a 2×2: [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]]', () => {
    expect(
      Array.from(
        cholesky(
          fromArray([
            [4, 2],
            [2, 5],
          ]),
        ).data,
      ),
    ).toEqual([2, 0, 1, 2]);
    expect(
      logDetFromCholesky(
        cholesky(
          fromArray([
            [4, 2],
            [2, 5],
          ]),
        ),
      ),
    ).toBeCloseTo(Math.log(16), 15);
  });

  test('not positive definite: NotPositiveDefiniteError naming the argument and the pivot', () => {
    const indefinite = fromArray([
      [1, 2],
      [2, 1],
    ]);
    expect(() => cholesky(indefinite)).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(indefinite)).toThrow(
      /cholesky: argument 'a' must be a symmetric positive definite matrix \(pivot 1 is not positive\)/,
    );
    expect(() =>
      cholesky(
        fromArray([
          [0, 0],
          [0, 1],
        ]),
      ),
    ).toThrow(/pivot 0/);
    expect(() => cholesky(indefinite, { fn: 'gaussianScore', argument: 'covariance' })).toThrow(
      /gaussianScore: argument 'covariance'/,
    );
    try {
      cholesky(indefinite);
    } catch (e) {
      expect((e as NotPositiveDefiniteError).pivot).toBe(1);
    }
  });

  test('non-symmetric, non-finite and non-square inputs get the right typed errors', () => {
    expect(() =>
      cholesky(
        fromArray([
          [2, 1],
          [0, 2],
        ]),
      ),
    ).toThrow(NotPositiveDefiniteError);
    expect(() =>
      cholesky(
        fromArray([
          [2, 1],
          [0, 2],
        ]),
      ),
    ).toThrow(/not symmetric: entry \(1, 0\) = 0 but \(0, 1\) = 1/);
    expect(() =>
      cholesky(
        fromArray([
          [1, 0],
          [0, Number.NaN],
        ]),
        { fn: 'f', argument: 'sigma' },
      ),
    ).toThrow(/f: argument 'sigma\[1\]\[1\]' must be a finite number; got NaN/);
    expect(() =>
      cholesky(
        fromArray([
          [1, 0],
          [0, Infinity],
        ]),
      ),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      cholesky(
        fromArray([
          [1, 0, 0],
          [0, 1, 0],
        ]),
      ),
    ).toThrow(ShapeMismatchError);
    expect(() => cholesky(new Float64Array(4) as unknown as Tensor)).toThrow(/argument 'a'/);
  });

  test('triangular solve bad input', () => {
    const l = cholesky(randomSpd(3, 1));
    expect(() => solveLowerTriangular(l, new Float64Array(2))).toThrow(/argument 'b' must be a vector of length 3/);
    expect(() => choleskySolve(l, fromArray([[1], [2]]) as Tensor<Float64Array>)).toThrow(
      /argument 'b' must be a matrix with 3 rows/,
    );
    expect(() =>
      solveUpperTriangular(
        fromArray([
          [1, 1],
          [0, 0],
        ]) as Tensor<Float64Array>,
        new Float64Array(2),
      ),
    ).toThrow(/argument 'l\[1\]\[1\]' must be a finite non-zero diagonal entry/);
    expect(() =>
      solveLowerTriangular(randomMatrix(2, 2, 1, 'float32') as unknown as Tensor<Float64Array>, new Float64Array(2)),
    ).toThrow(/argument 'l' must be a float64 matrix/);
    expect(() => choleskySolve(l, [1, 2, 3] as unknown as Float64Array)).toThrow(/argument 'b'/);
  });
});

describe('symmetricEigen', () => {
  test.each([1, 2, 3, 8, 16])('reconstructs A, orthonormal vectors, ascending values (order %i)', (d) => {
    const b = randomMatrix(d, d, 100 + d);
    const a = matmul(b as Tensor<Float64Array>, transpose(b) as Tensor<Float64Array>);
    for (let i = 0; i < d; i++) a.data[i * d + i] -= 0.5; // make it indefinite too
    const { values, vectors } = symmetricEigen(a);
    for (let k = 1; k < d; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]!);
    const vtv = matmul(transpose(vectors), vectors);
    expect(maxAbsDiff(vtv, identity(d))).toBeLessThanOrEqual(8 * d * EPS);
    const scaled = fromArray(
      Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => get2(vectors, i, j) * values[j]!)),
    ) as Tensor<Float64Array>;
    expect(maxAbsDiff(matmul(scaled, transpose(vectors)), a)).toBeLessThanOrEqual(8 * d * EPS * maxAbs(a));
    expect(Math.abs(values.reduce((s, v) => s + v, 0) - trace(a))).toBeLessThanOrEqual(8 * d * EPS * maxAbs(a));
  });

  test('closed form: [[2, 1], [1, 2]] has eigenvalues 1, 3 with vectors (1, ∓1)/√2', () => {
    const { values, vectors } = symmetricEigen(
      fromArray([
        [2, 1],
        [1, 2],
      ]),
    );
    expect(values[0]).toBeCloseTo(1, 15);
    expect(values[1]).toBeCloseTo(3, 15);
    expect(Math.abs(get2(vectors, 0, 0) + get2(vectors, 1, 0))).toBeLessThan(1e-15);
    expect(Math.abs(get2(vectors, 0, 1) - get2(vectors, 1, 1))).toBeLessThan(1e-15);
    expect(Math.abs(get2(vectors, 0, 1))).toBeCloseTo(Math.SQRT1_2, 15);
  });

  test('diagonal input with repeated and widely scaled eigenvalues', () => {
    const { values } = symmetricEigen(
      fromArray([
        [1e10, 0, 0],
        [0, 1e-10, 0],
        [0, 0, 1e-10],
      ]),
    );
    expect(Array.from(values)).toEqual([1e-10, 1e-10, 1e10]);
  });

  test('bad input', () => {
    expect(() =>
      symmetricEigen(
        fromArray([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/symmetricEigen: argument 'a' must be a symmetric matrix/);
    expect(() =>
      symmetricEigen(
        fromArray([
          [1, Number.NaN],
          [Number.NaN, 4],
        ]),
      ),
    ).toThrow(/argument 'a\[0\]\[1\]' must be a finite number/);
    expect(() => symmetricEigen(fromArray([[1, 2]]))).toThrow(ShapeMismatchError);
  });
});

describe('dense helpers', () => {
  test('spdSqrt squares back to A; spdFunction(log) matches eigenvalues; trace', () => {
    const a = randomSpd(5, 9);
    const root = spdSqrt(a);
    expect(maxAbsDiff(matmul(root, root), a)).toBeLessThan(50 * EPS * maxAbs(a));
    const inv = spdFunction(a, (v) => 1 / v);
    expect(maxAbsDiff(inv, spdInverse(a))).toBeLessThan(1e-12 * maxAbs(inv));
    expect(trace(spdFunction(a, Math.log))).toBeCloseTo(logDetFromCholesky(cholesky(a)), 12);
    expect(trace(identity(4))).toBe(4);
    expect(Array.from(identity(2).data)).toEqual([1, 0, 0, 1]);
  });

  test('matmul against hand values', () => {
    expect(
      Array.from(
        matmul(
          fromArray([
            [1, 2],
            [3, 4],
          ]) as Tensor<Float64Array>,
          fromArray([[5], [6]]) as Tensor<Float64Array>,
        ).data,
      ),
    ).toEqual([17, 39]);
  });

  test('bad input', () => {
    expect(() =>
      spdSqrt(
        fromArray([
          [1, 0],
          [0, -1],
        ]),
      ),
    ).toThrow(
      /spdSqrt: argument 'a' must be a symmetric positive definite matrix \(eigenvalue 0 is -1, not positive\)/,
    );
    expect(() =>
      spdSqrt(
        fromArray([
          [1, 1],
          [0, 1],
        ]),
      ),
    ).toThrow(NotPositiveDefiniteError);
    expect(() =>
      spdInverse(
        fromArray([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/spdInverse: argument 'a'/);
    expect(() => spdFunction(identity(2), () => Number.NaN)).toThrow(/argument 'f'/);
    expect(() => matmul(identity(2), identity(3))).toThrow(/matmul: argument 'b' must be a matrix with 2 rows/);
    expect(() => matmul(identity(2), randomMatrix(2, 2, 1, 'float32') as unknown as Tensor<Float64Array>)).toThrow(
      DTypeMismatchError,
    );
    expect(() => identity(-1)).toThrow(/argument 'd'/);
    expect(() => trace(fromArray([[1, 2]]))).toThrow(ShapeMismatchError);
  });
});
