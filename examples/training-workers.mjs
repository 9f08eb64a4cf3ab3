// Data-parallel training: each minibatch's gradient shared by 2 threads (Node: worker_threads).
// The weights are bit-identical to training on the calling thread alone, for any number of threads.
import { batch, RandomStream } from '@sgmkit/tensor';
import { createScoreNetwork, trainDenoisingScoreMatching } from '@sgmkit/score';
import { trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';

const data = batch(4000, 8);
new RandomStream(11).fillNormal(data.data);
const options = { steps: 50, batchSize: 256, seed: 2 };

const onTwo = createScoreNetwork({ dim: 8, hiddenWidths: [64, 64], seed: 1 });
const { losses } = await trainDenoisingScoreMatchingOnWorkers(onTwo, data, { ...options, workers: 2 });
const onOne = createScoreNetwork({ dim: 8, hiddenWidths: [64, 64], seed: 1 });
trainDenoisingScoreMatching(onOne, data, options);

const identical = onTwo.parameters.every((w, i) => Object.is(w, onOne.parameters[i]));
console.log(
  `loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}; weights bit-identical to 1 thread: ${identical}`,
);
if (!identical) throw new Error('2-thread training differs from 1-thread training');
