import ndarray from 'ndarray';
import {
  batch,
  fromArray,
  fromNdarray,
  toNdarray,
  rows,
  transpose,
  isContiguous,
  toContiguous,
  tensor,
  expectBatch,
  get2,
  toArray,
  InvalidArgumentError,
  ShapeMismatchError,
  NonContiguousError,
  DTypeMismatchError,
  expectSeed,
  expectPositive,
  dtypeOf,
} from '@sgmkit/tensor';

describe('tensor core', () => {
  test('row-major batches over both dtypes', () => {
    const b = batch(3, 2, 'float32');
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(b.shape).toEqual([3, 2]);
    expect(b.stride).toEqual([2, 1]);
    expect(dtypeOf(batch(1, 1))).toBe('float64');
  });

  test('ndarray interop is zero-copy in both directions', () => {
    const nd = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const t = fromNdarray(nd);
    t.data[0] = 42;
    expect(nd.get(0, 0)).toBe(42);
    const back = toNdarray(t);
    back.set(2, 1, -1);
    expect(get2(t, 2, 1)).toBe(-1);
    expect(back.data).toBe(nd.data);
  });

  test('views: rows and transpose share storage; strided views are detected', () => {
    const t = fromArray([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const r = rows(t, 1, 3);
    expect(toArray(r)).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expect(isContiguous(r)).toBe(true);
    const tt = transpose(t);
    expect(isContiguous(tt)).toBe(false);
    expect(toArray(toContiguous(tt))).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(() => expectBatch('kernel', 'y', tt)).toThrow(NonContiguousError);
  });

  test('bad input gets typed errors naming the argument', () => {
    expect(() => tensor(new Float64Array(3), [2, 2])).toThrow(ShapeMismatchError);
    expect(() => tensor(new Int32Array(4) as unknown as Float64Array, [2, 2])).toThrow(DTypeMismatchError);
    expect(() => expectBatch('k', 'y', batch(2, 3), 2)).toThrow(/argument 'y'/);
    expect(() => expectSeed('f', 'seed', -1)).toThrow(InvalidArgumentError);
    expect(() => expectSeed('f', 'seed', 1.5)).toThrow(
      /argument 'seed' must be an integer in \[0, 4294967295\]; got 1.5/,
    );
    expect(() => expectPositive('f', 'h', Number.NaN)).toThrow(/argument 'h'/);
    expect(() => fromArray([[1, 2], [3]])).toThrow(/values\[1\]/);
  });
});
