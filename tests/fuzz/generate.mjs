// Seeded generators of valid and invalid inputs for the fuzz harness. Every configuration draws from its own
// generator, seeded by (seed, index), so `--only <index>` replays one configuration exactly.

/** splitmix32: a small, fast generator independent of the library under test. */
function splitmix32(a) {
  return () => {
    a |= 0;
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return (t >>> 0) / 4294967296;
  };
}

/** Numbers that break assumptions: non-finite, signed zero, negative, non-integer, huge, tiny. */
const BAD_NUMBERS = [Number.NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1e300, -1e300, 2 ** 53, 5e-324, 1e-320, -7];
/** Values of the wrong type altogether. */
const BAD_VALUES = [undefined, null, '3', true, {}, [], () => 1, Symbol('x'), 10n];

/**
 * The generator of one configuration. `nonFinite` and `extreme` record whether any input it produced was
 * non-finite or huge (|v| > 1e150), since NaN in, NaN out is documented for unchecked hot paths, and
 * overflow from a finite but huge input is a different class from a silent NaN.
 */
export class Generator {
  constructor(seed, index) {
    this.random = splitmix32((seed * 0x85ebca6b) ^ (index * 0xc2b2ae35) ^ 0x27d4eb2f);
    this.nonFinite = false;
    this.extreme = false;
  }

  /** A uniform integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  chance(p) {
    return this.random() < p;
  }

  pick(values) {
    return values[Math.floor(this.random() * values.length)];
  }

  /** Notes what kind of input a value is. */
  note(v) {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.nonFinite = true;
      else if (Math.abs(v) > 1e150) this.extreme = true;
    }
    return v;
  }

  /** `valid()` most of the time, else a bad number. */
  maybe(valid, pBad = 0.12) {
    if (!this.chance(pBad)) return valid();
    return this.note(this.pick(BAD_NUMBERS));
  }

  /** For an argument itself: `value` most of the time, else a value of the wrong type (string, object, bigint, ...). */
  arg(value, pWrongType = 0.04) {
    return this.chance(pWrongType) ? this.pick(BAD_VALUES) : value;
  }

  /** A normal-ish finite number of scale `scale` (Box–Muller), occasionally a bad one. */
  real(scale = 1, pBad = 0.03) {
    return this.maybe(
      () => scale * Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random()),
      pBad,
    );
  }

  positive(lo, hi, pBad) {
    return this.maybe(() => lo + (hi - lo) * this.random(), pBad);
  }

  integer(lo, hi, pBad) {
    return this.maybe(() => this.int(lo, hi), pBad);
  }

  /** An `rows × cols` nested array of reals, sometimes ragged. */
  matrix(rows, cols, scale = 1) {
    const ragged = this.chance(0.03);
    return Array.from({ length: rows }, (_, i) =>
      Array.from({ length: ragged && i === rows - 1 ? Math.max(0, cols - 1) : cols }, () => this.real(scale, 0.01)),
    );
  }

  /** A symmetric positive definite d × d matrix, or (sometimes) a non-symmetric, indefinite or singular one. */
  covariance(d) {
    const a = Array.from({ length: d }, () => Array.from({ length: d }, () => this.real(0.7, 0)));
    const s = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => a[i].reduce((sum, _, k) => sum + a[i][k] * a[j][k], 0) + (i === j ? 0.1 : 0)),
    );
    const kind = this.random();
    if (kind < 0.04)
      s[0][d - 1] += 1; // not symmetric (when d > 1)
    else if (kind < 0.08)
      s[0][0] = -1; // indefinite
    else if (kind < 0.1)
      for (const row of s) row.fill(0); // singular
    else if (kind < 0.12) s[0][0] = this.note(Number.NaN);
    return s;
  }

  dtype() {
    return this.chance(0.97) ? this.pick(['float64', 'float32']) : this.pick(['float16', 'int32', undefined, 3]);
  }
}
