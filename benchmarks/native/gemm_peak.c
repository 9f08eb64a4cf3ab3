/*
 * Baseline for benchmarks/mlp-forward.bench.mjs: a plain C GEMM, C = A·B for row-major
 * double matrices, in i-k-j loop order so the inner loop is a unit-stride axpy that
 * `cc -O3 -march=native` vectorises (and fuses to FMA where available). No hand tuning,
 * no BLAS: this is "what a straightforward compiled loop reaches on this machine".
 *
 * Usage: gemm_peak m n k   -> prints {"m":..,"n":..,"k":..,"seconds":..,"gflops":..}
 * Best of 5 timed rounds, each repeated until it lasts >= 0.2 s.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void gemm(int m, int n, int k, const double *restrict a, const double *restrict b, double *restrict c) {
  for (int i = 0; i < m; i++) {
    double *restrict ci = c + (size_t)i * n;
    for (int j = 0; j < n; j++) ci[j] = 0.0;
    for (int p = 0; p < k; p++) {
      const double aip = a[(size_t)i * k + p];
      const double *restrict bp = b + (size_t)p * n;
      for (int j = 0; j < n; j++) ci[j] += aip * bp[j];
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s m n k\n", argv[0]);
    return 2;
  }
  const int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  double *a = malloc(sizeof(double) * (size_t)m * k);
  double *b = malloc(sizeof(double) * (size_t)k * n);
  double *c = malloc(sizeof(double) * (size_t)m * n);
  if (!a || !b || !c) return 1;
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (double)((i * 2654435761u) % 1000) / 1000.0 - 0.5;
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (double)((i * 40503u) % 1000) / 1000.0 - 0.5;
  gemm(m, n, k, a, b, c); /* warm-up */
  double best = 1e300, checksum = 0;
  for (int round = 0; round < 5; round++) {
    int reps = 0;
    const double start = now();
    double elapsed;
    do {
      gemm(m, n, k, a, b, c);
      checksum += c[(size_t)(reps % m) * n];
      reps++;
      elapsed = now() - start;
    } while (elapsed < 0.2);
    if (elapsed / reps < best) best = elapsed / reps;
  }
  printf("{\"m\":%d,\"n\":%d,\"k\":%d,\"seconds\":%.9g,\"gflops\":%.6g,\"checksum\":%.6g}\n", m, n, k, best, 2.0 * m * n * k / best / 1e9, checksum);
  free(a);
  free(b);
  free(c);
  return 0;
}
