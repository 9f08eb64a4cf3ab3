/**
 * What a worker runs, whatever the platform: rebuild the score from its spec,
 * then run the sampler on the task's row range of the shared buffers with
 * `firstRow` = its global offset, so the output is bit-identical to one thread.
 * @packageDocumentation
 */
import { AbortedError, setGemmBackend } from '@sgmkit/tensor';
import type { Batch, FloatArray } from '@sgmkit/tensor';
import { scoreFromSpec } from '@sgmkit/score';
import type { CLDScore, Score } from '@sgmkit/score';
import { runCLDRange, runDDPMRange } from './run.js';
import type { WorkerResult, WorkerTask } from './protocol.js';

function view(buffer: SharedArrayBuffer, task: WorkerTask): Batch {
  const data: FloatArray = task.dtype === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
  return { data, shape: [task.rowEnd - task.rowStart, task.dim], stride: [task.dim, 1], offset: task.rowStart * task.dim };
}

async function run(task: WorkerTask): Promise<WorkerResult> {
  const flag = new Int32Array(task.abortFlag);
  const control = {
    interrupt: (): void => {
      if (Atomics.load(flag, 0) !== 0) throw new AbortedError('sampler worker: the operation was aborted');
    },
  };
  setGemmBackend(task.gemmBackend);
  const score = scoreFromSpec(task.spec);
  const positions = view(task.positions, task);
  let evaluations: number;
  if (task.job.kind === 'ddpm') {
    evaluations = await runDDPMRange(score as Score, positions, task.rowStart, task.job, control);
  } else {
    evaluations = await runCLDRange(score as CLDScore, positions, view(task.velocities!, task), task.rowStart, task.job, control);
  }
  return { ok: true, evaluations };
}

/**
 * Runs one worker's task and resolves with the message to post back: the
 * result, or the error serialised (name, message, code, where), never a rejection.
 * A backend's worker script calls this on the task it receives.
 */
export async function runWorkerTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    return await run(task);
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string; where?: string };
    return { ok: false, name: e?.name ?? 'Error', message: e?.message ?? String(error), code: e?.code, where: e?.where };
  }
}
