/**
 * What a worker runs, whatever the platform: rebuild the score from its spec,
 * then run the sampler on the task's row range of the shared buffers with
 * `firstRow` = its global offset, so the output is bit-identical to one thread.
 * @packageDocumentation
 */
import { AbortedError, setGemmBackend } from '@sgmkit/tensor';
import type { Batch, FloatArray } from '@sgmkit/tensor';
import type { CLDScore, Score } from '@sgmkit/score';
import { runCLDRange, runDDPMRange } from './run.js';
import { scoreFromWorkerSpec } from './transfer.js';
import type { WorkerResult, WorkerTask } from './protocol.js';

function view(buffer: SharedArrayBuffer, task: WorkerTask): Batch {
  const data: FloatArray = task.dtype === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
  return {
    data,
    shape: [task.rowEnd - task.rowStart, task.dim],
    stride: [task.dim, 1],
    offset: task.rowStart * task.dim,
  };
}

/** Modules this thread has imported for custom score types (a persistent worker imports each once). */
const importedModules = new Set<string>();

async function importScoreTypeModules(modules: readonly string[] | undefined): Promise<void> {
  for (const url of modules ?? []) {
    if (importedModules.has(url)) continue;
    await import(url);
    importedModules.add(url);
  }
}

/** After every step: count it in the progress word, then stop if the calling thread raised the abort flag. */
function interruptOf(task: WorkerTask): () => void {
  const flag = new Int32Array(task.abortFlag);
  const progress = task.progress === undefined ? undefined : new Int32Array(task.progress);
  const slot = task.progressSlot ?? 0;
  return () => {
    if (progress !== undefined) Atomics.add(progress, slot, 1);
    if (Atomics.load(flag, 0) !== 0) throw new AbortedError('sampler worker: the operation was aborted');
  };
}

async function run(task: WorkerTask): Promise<WorkerResult> {
  const control = { interrupt: interruptOf(task) };
  setGemmBackend(task.gemmBackend);
  await importScoreTypeModules(task.modules);
  const score = scoreFromWorkerSpec(task.spec);
  const positions = view(task.positions, task);
  const result =
    task.job.kind === 'ddpm'
      ? await runDDPMRange(score as Score, positions, task.job.firstRow + task.rowStart, task.job, control)
      : await runCLDRange(
          score as CLDScore,
          positions,
          view(task.velocities!, task),
          task.job.firstRow + task.rowStart,
          task.job,
          control,
        );
  return { ok: true, ...result };
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
    return {
      ok: false,
      name: e?.name ?? 'Error',
      message: e?.message ?? String(error),
      code: e?.code,
      where: e?.where,
    };
  }
}
