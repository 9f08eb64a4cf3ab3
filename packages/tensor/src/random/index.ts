/**
 * Random streams: particle-addressed normals (pure functions of
 * `(seed, stream, global row, component)`) and sequential `RandomStream`s.
 * @packageDocumentation
 */
export { RandomStream } from './stream.js';
export { fillParticleNormals, expectNoiseAddress } from './particle.js';
export { BLOCK_NORMALS, blockRows } from './seeding.js';
export { erfc, standardNormalCdf } from './special.js';
