/**
 * A tiny cache of per-time factors. Samplers evaluate a score at a handful of
 * distinct times, each once per batch or chunk, so a few preallocated slots,
 * reused round-robin, remove all per-call work and allocation.
 * @packageDocumentation
 */

/** Slots a score keeps: enough for a step's stages and a few chunks interleaved. */
export const TIME_CACHE_SLOTS = 4;

export class TimeCache<F> {
  private readonly times: Float64Array;
  private readonly slots: F[];
  private next = 0;

  /** `create` allocates a slot once; `fill(t, slot)` overwrites it with the factors at t without allocating. */
  constructor(
    create: () => F,
    private readonly fill: (t: number, slot: F) => void,
    capacity = TIME_CACHE_SLOTS,
  ) {
    this.times = new Float64Array(capacity).fill(NaN);
    this.slots = Array.from({ length: capacity }, create);
  }

  /** The factors at time t, computed on a miss into the least recently filled slot. */
  at(t: number): F {
    const times = this.times;
    for (let i = 0; i < times.length; i++) if (times[i] === t) return this.slots[i]!;
    const i = this.next;
    this.next = (i + 1) % times.length;
    times[i] = NaN; // a throwing fill must not leave a stale slot labelled t
    this.fill(t, this.slots[i]!);
    times[i] = t;
    return this.slots[i]!;
  }
}
