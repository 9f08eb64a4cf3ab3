// Stand-in main job until the sampler CLI lands: shows the tensor core and ndarray interop.
import ndarray from 'ndarray';
import { batch, toNdarray, fromNdarray, toArray, rows } from '@sgmkit/tensor';

const particles = batch(4, 2);
const nd = toNdarray(particles);
for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) nd.set(i, j, i + j / 10);
console.log('particles (ndarray view, zero copy):', toArray(particles));
console.log('rows 1..3 view:', toArray(rows(fromNdarray(ndarray(particles.data, [4, 2])), 1, 3)));
