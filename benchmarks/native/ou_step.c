/*
 * Native baseline for the OU exponential-integrator step
 *   y <- e^h y + 2(e^h - 1) s + sqrt(e^{2h} - 1) z,   z ~ N(0, 1) per component,
 * single thread, one sequential stream of a 64-bit generator (native 64-bit
 * arithmetic) and a ziggurat with 2^LAYER_BITS layers (default 10, as sgmkit's
 * JS kernel; 8 gives the classic 256) and Marsaglia's exact tail: the same
 * algorithm as the JS kernel, written the way a C programmer would.
 *
 * Generator: xorshift128+ (default; Vigna's shifts 23, 18, 5, as pure-rand and
 * sgmkit) or, with -DXOROSHIRO, xoroshiro128+ (24, 16, 37).
 * NORMALS_PER_TRANSITION = 2 (default, what sgmkit's JS kernel does): each
 * 32-bit half of a 64-bit output gives one normal, layer and sign from its top
 * LAYER_BITS + 1 bits, a (31 - LAYER_BITS)-bit mantissa (the low half drops its
 * 3 weakest bits), the cell midpoint on the fast path; a failed fast test
 * refines the candidate with fresh bits (29, and the dropped ones) and finishes it exactly.
 * NORMALS_PER_TRANSITION = 1: one normal per 64-bit output, (60 - LAYER_BITS)-bit mantissas.
 * Build: cc -O3 -march=native ou_step.c -lm   (optionally -DXOROSHIRO -DLAYER_BITS=8 -DNORMALS_PER_TRANSITION=1)
 * Usage: ou_step N D REPS  -> prints one JSON line with the best and median ms per step.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef LAYER_BITS
#define LAYER_BITS 10
#endif
#define LAYERS (1 << LAYER_BITS)
#define INDEX_SHIFT (63 - LAYER_BITS)                       /* top LAYER_BITS + 1 bits: layer and sign */
#define MANTISSA_MASK ((1ULL << (60 - LAYER_BITS)) - 1)     /* bits 3 .. 62 - LAYER_BITS */
#define MANTISSA_SCALE ((double)(1ULL << (60 - LAYER_BITS)))
#ifndef NORMALS_PER_TRANSITION
#define NORMALS_PER_TRANSITION 2
#endif
#define HALF_SHIFT (31 - LAYER_BITS)                        /* 32-bit half: layer and sign above this bit */
#define HALF_MASK ((1u << HALF_SHIFT) - 1)                  /* its mantissa bits */
static uint32_t accept_half[LAYERS];                        /* fast bound on a half's mantissa, a multiple of 8 */
static double half_scale[2 * LAYERS];                       /* +-edge / 2^HALF_SHIFT by index */
static double edge[LAYERS + 1], edge_density[LAYERS + 1], scale[LAYERS], signed_scale[2 * LAYERS];
static uint64_t accept_mantissa[LAYERS];
static uint64_t s0 = 0x9e3779b97f4a7c15ULL, s1 = 0xbf58476d1ce4e5b9ULL;


#ifdef XOROSHIRO
#define GENERATOR "xoroshiro128+"
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t next64(void) {
  const uint64_t a = s0, b = s1, out = a + b;
  const uint64_t t = b ^ a;
  s0 = rotl(a, 24) ^ t ^ (t << 16);
  s1 = rotl(t, 37);
  return out;
}
#else
#define GENERATOR "xorshift128+"
static inline uint64_t next64(void) {
  const uint64_t out = s0 + s1, x = s0 ^ (s0 << 23);
  s0 = s1;
  s1 = x ^ s1 ^ (x >> 18) ^ (s1 >> 5);
  return out;
}
#endif

static double density(double x) { return exp(-0.5 * x * x); }

static double build_edges(double r) {
  const double v = r * density(r) + sqrt(M_PI / 2) * erfc(r / M_SQRT2);
  edge[0] = v / density(r);
  edge[1] = r;
  for (int i = 1; i < LAYERS - 1; i++) {
    const double top = density(edge[i]) + v / edge[i];
    if (top >= 1) return INFINITY;
    edge[i + 1] = sqrt(-2 * log(top));
  }
  edge[LAYERS] = 0;
  return density(edge[LAYERS - 1]) + v / edge[LAYERS - 1] - 1;
}

static void build_tables(void) {
  double lo = 3, hi = 5;
  for (int it = 0; it < 200; it++) {
    const double mid = 0.5 * (lo + hi);
    if (build_edges(mid) > 0) lo = mid; else hi = mid;
  }
  build_edges(hi);
  for (int i = 0; i <= LAYERS; i++) edge_density[i] = density(edge[i]);
  for (int i = 0; i < LAYERS; i++) {
    accept_mantissa[i] = (uint64_t)floor(MANTISSA_SCALE * edge[i + 1] / edge[i]);
    scale[i] = edge[i] / MANTISSA_SCALE;
    signed_scale[2 * i] = scale[i];
    signed_scale[2 * i + 1] = -scale[i];
    accept_half[i] = (uint32_t)(accept_mantissa[i] >> (60 - LAYER_BITS - HALF_SHIFT)) & ~7u;
    half_scale[2 * i] = edge[i] / (double)(1u << HALF_SHIFT);
    half_scale[2 * i + 1] = -half_scale[2 * i];
  }
}

static inline double open_uniform(void) { return 1.0 - (double)(next64() >> 11) * 0x1.0p-53; }

static double slow_normal(uint64_t r) {
  for (;;) {
    const int index = (int)(r >> INDEX_SHIFT), layer = index >> 1;
    const uint64_t m = (r >> 3) & MANTISSA_MASK;
    const double x = (double)m * scale[layer];
    double magnitude = -1;
    if (m < accept_mantissa[layer]) magnitude = x;
    else if (layer == 0) {
      double a, b;
      do { a = -log(open_uniform()) / edge[1]; b = -log(open_uniform()); } while (b + b < a * a);
      magnitude = edge[1] + a;
    } else if (edge_density[layer] + open_uniform() * (edge_density[layer + 1] - edge_density[layer]) < density(x)) {
      magnitude = x;
    }
    if (magnitude >= 0) return (index & 1) ? -magnitude : magnitude;
    r = next64();
  }
}

static inline double normal(void) {
  const uint64_t r = next64();
  const int index = (int)(r >> INDEX_SHIFT);
  const uint64_t m = (r >> 3) & MANTISSA_MASK;
  if (__builtin_expect(m < accept_mantissa[index >> 1], 1)) return (double)m * signed_scale[index];
  return slow_normal(r);
}

/* A half whose fast test failed: its leading mantissa bits, fresh bits for the rest (dropped ones included), then the exact slow path. */
static double slow_half(uint32_t word, uint32_t mask) {
  const uint64_t fresh = next64();
  const uint64_t index = word >> HALF_SHIFT, m = (word & mask) | ((uint32_t)(fresh >> 32) & HALF_MASK & ~mask);
  return slow_normal((index << INDEX_SHIFT) | (m << (INDEX_SHIFT - HALF_SHIFT)) | ((fresh >> 35) << 3));
}

static inline double half_normal(uint32_t word, uint32_t mask, double half) {
  const uint32_t index = word >> HALF_SHIFT, m = word & mask;
  if (__builtin_expect(m < accept_half[index >> 1], 1)) return ((double)m + half) * half_scale[index];
  return slow_half(word, mask);
}

static void ou_step(double *restrict y, const double *restrict s, size_t len, double h) {
  const double a = exp(h), b = 2 * expm1(h), c = sqrt(expm1(2 * h));
#if NORMALS_PER_TRANSITION == 2
  size_t k = 0;
  for (; k + 1 < len; k += 2) {
    const uint64_t r = next64();
    const double z0 = half_normal((uint32_t)(r >> 32), HALF_MASK, 0.5);
    const double z1 = half_normal((uint32_t)r, HALF_MASK & ~7u, 4.0);
    y[k] = a * y[k] + b * s[k] + c * z0;
    y[k + 1] = a * y[k + 1] + b * s[k + 1] + c * z1;
  }
  if (k < len) y[k] = a * y[k] + b * s[k] + c * half_normal((uint32_t)(next64() >> 32), HALF_MASK, 0.5);
#else
  for (size_t k = 0; k < len; k++) y[k] = a * y[k] + b * s[k] + c * normal();
#endif
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int compare(const void *p, const void *q) {
  const double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  const size_t n = argc > 1 ? strtoul(argv[1], 0, 10) : 1000000, d = argc > 2 ? strtoul(argv[2], 0, 10) : 2;
  const int reps = argc > 3 ? atoi(argv[3]) : 30;
  build_tables();
  double *y = malloc(n * d * sizeof(double)), *s = malloc(n * d * sizeof(double)), *times = malloc(reps * sizeof(double));
  for (size_t k = 0; k < n * d; k++) { y[k] = 0.001 * (double)(k % 1000); s[k] = -y[k]; }
  ou_step(y, s, n * d, 1e-3); /* warm-up */
  double checksum = 0;
  for (int r = 0; r < reps; r++) {
    const double t0 = now_ms();
    ou_step(y, s, n * d, 1e-3);
    times[r] = now_ms() - t0;
    checksum += y[r];
  }
  qsort(times, reps, sizeof(double), compare);
  printf("{\"generator\":\"%s\",\"n\":%zu,\"d\":%zu,\"layers\":%d,\"normalsPerTransition\":%d,\"reps\":%d,\"bestMs\":%.4f,\"medianMs\":%.4f,\"checksum\":%.6g}\n", GENERATOR, n, d, LAYERS, NORMALS_PER_TRANSITION, reps, times[0], times[reps / 2], checksum);
  free(y); free(s); free(times);
  return 0;
}
