/**
 * Small linear algebra: blocked GEMM, GEMV, Cholesky and triangular solves, symmetric
 * eigendecomposition (Jacobi), SPD matrix functions and batch reductions.
 * @packageDocumentation
 */
export { gemm, gemmUnchecked, gemv } from './gemm.js';
export {
  gemmAccumulate,
  gemmAccumulateDepthBlocks,
  gemmBiasSilu,
  gemmKernel,
  scalarGemmAccumulate,
  scaleMatrixRows,
  setGemmBackend,
  gemmBackend,
  wasmMixtureKernels,
  type GemmBackend,
  GEMM_MR,
  GEMM_NR,
  GEMM_MC,
  GEMM_KC,
  GEMM_NC,
  type MatrixOperand,
} from './gemm-kernel.js';
export { wasmSimdSupported, wasmRelaxedSimdSupported } from './wasm/gemm-wasm.js';
export { FusedAdam, type FusedAdamStep } from './wasm/adam-wasm.js';
export { MIXTURE_WASM_BLOCK, type WasmMixtureKernels } from './wasm/mixture-wasm.js';
export { matrixOperand } from './gemm.js';
export { biasSiluRows, siluBackwardFromSigmoid } from './silu.js';
export {
  cholesky,
  choleskyInPlace,
  solveLowerTriangular,
  solveUpperTriangular,
  choleskySolve,
  logDetFromCholesky,
  type MatrixContext,
  type RightHandSide,
} from './cholesky.js';
export { symmetricEigen, type SymmetricEigen } from './eigen.js';
export { identity, matmul, trace, spdInverse, spdSqrt, spdFunction } from './dense.js';
export { batchMean, batchCovariance } from './reductions.js';
