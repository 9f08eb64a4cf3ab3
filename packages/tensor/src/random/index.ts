/**
 * Random streams: particle-addressed normals (pure functions of
 * `(seed, stream, global row, component)`) and sequential `RandomStream`s.
 * Both make two standard normals per 64-bit xorshift128+ output (pure-rand's
 * generator), by a 1024-layer ziggurat whose fast path returns cell midpoints
 * of a 21-bit (high word) or 18-bit (low word) lattice per layer: the Kolmogorov distance
 * of the drawn law from N(0, 1) is at most 2^-23 ≈ 1.2e-7 (high) and
 * 2^-20 ≈ 9.5e-7 (low); see `ziggurat.ts` for the derivation.
 * @packageDocumentation
 */
export { RandomStream, type RandomStreamState } from './stream.js';
export { fillParticleNormals, expectNoiseAddress, type NoiseAddress } from './particle.js';
export { BLOCK_NORMALS, blockRows } from './seeding.js';
export { erfc, standardNormalCdf } from './special.js';
