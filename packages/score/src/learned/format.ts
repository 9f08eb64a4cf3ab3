/**
 * Saving and loading score networks as versioned JSON. Loading checks every field and
 * names the exact path of the first problem (missing field, wrong length, bad number...).
 * @packageDocumentation
 */
import { InvalidArgumentError, expectNonNegative } from '@sgmkit/tensor';
import type { ScoreSpec } from '../types.js';
import { layerLayouts, parameterCount, type ScoreNetworkArchitecture } from './architecture.js';
import {
  SCORE_NETWORK_FORMAT,
  SCORE_NETWORK_SPEC_TYPE,
  SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS,
  RESIDUAL_HORIZON_FORMAT_VERSION,
  ScoreNetwork,
  networkDocument,
  type DataRange,
  type ScoreNetworkData,
} from './network.js';
import { expectDataMoments, expectNormalization } from './normalization.js';
import { CLD_SCORE_NETWORK_SPEC_TYPE, CLDScoreNetwork, cldNetworkDocument } from './cld-network.js';
import type { AnyScoreNetwork } from './perturbation.js';
import type { DataMoments, DataNormalization } from '../types.js';

/** Raised when a saved network is malformed or inconsistent; `argument` is the JSON path of the problem. */
export class ScoreNetworkFormatError extends InvalidArgumentError {
  constructor(fn: string, path: string, value: unknown, expected: string) {
    super(fn, path, value, expected, 'ERR_SCORE_NETWORK_FORMAT');
  }
}

/**
 * Raised when a network of one kind is given where the other is needed: a CLD network
 * (`kind: 'cld'`) to a DDPM loader or sampler, or a DDPM network to a CLD one.
 */
export class ScoreNetworkKindError extends InvalidArgumentError {
  constructor(fn: string, argument: string, kind: 'ou' | 'cld', expected: 'ou' | 'cld') {
    super(
      fn,
      argument,
      kind,
      expected === 'cld'
        ? "'cld' (a CLD network, trained with `sgmkit train --sampler cld` or createCLDScoreNetwork); this is a DDPM network: sample it with the DDPM sampler"
        : "'ou' (a DDPM network); this is a CLD network: load it with loadCLDScoreNetwork and sample it with sampleCLD (`--sampler cld`)",
      'ERR_SCORE_NETWORK_KIND',
    );
  }
}

/** Serialises a network (architecture, time features, every weight; kind and γ for CLD) to versioned JSON. */
export function saveScoreNetwork(network: AnyScoreNetwork): string {
  if (network instanceof CLDScoreNetwork) return JSON.stringify(cldNetworkDocument(network));
  if (!(network instanceof ScoreNetwork))
    throw new InvalidArgumentError('saveScoreNetwork', 'network', network, 'a ScoreNetwork or CLDScoreNetwork');
  return JSON.stringify(networkDocument(network));
}

/**
 * Rebuilds a DDPM network from `saveScoreNetwork` output; evaluations are bit-identical to the original.
 * @throws {ScoreNetworkFormatError} naming the JSON path of the first problem
 * @throws {ScoreNetworkKindError} for a CLD network's file (use `loadCLDScoreNetwork` or `loadAnyScoreNetwork`)
 */
export function loadScoreNetwork(json: string): ScoreNetwork {
  const fn = 'loadScoreNetwork';
  return expectKind(fn, 'json.kind', anyNetworkFromDocument(fn, 'json', parseJson(fn, json)), 'ou');
}

/**
 * Rebuilds a CLD network (a version-3 file with `kind: 'cld'`) from `saveScoreNetwork` output; bit-identical.
 * @throws {ScoreNetworkFormatError} naming the JSON path of the first problem
 * @throws {ScoreNetworkKindError} for a DDPM network's file
 */
export function loadCLDScoreNetwork(json: string): CLDScoreNetwork {
  const fn = 'loadCLDScoreNetwork';
  return expectKind(fn, 'json.kind', anyNetworkFromDocument(fn, 'json', parseJson(fn, json)), 'cld');
}

/** Rebuilds a network of either kind from `saveScoreNetwork` output (dispatch on `kind`). */
export function loadAnyScoreNetwork(json: string): AnyScoreNetwork {
  const fn = 'loadAnyScoreNetwork';
  return anyNetworkFromDocument(fn, 'json', parseJson(fn, json));
}

function parseJson(fn: string, json: string): unknown {
  if (typeof json !== 'string') throw new InvalidArgumentError(fn, 'json', json, 'a JSON string');
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new ScoreNetworkFormatError(fn, 'json', json, `valid JSON (${(error as Error).message})`);
  }
}

function expectKind<K extends 'ou' | 'cld'>(
  fn: string,
  argument: string,
  network: AnyScoreNetwork,
  kind: K,
): K extends 'cld' ? CLDScoreNetwork : ScoreNetwork {
  if (network.kind !== kind) throw new ScoreNetworkKindError(fn, argument, network.kind, kind);
  return network as K extends 'cld' ? CLDScoreNetwork : ScoreNetwork;
}

/** Rebuilds a DDPM network from its `spec` (e.g. received by a worker thread). */
export function scoreNetworkFromSpec(spec: ScoreSpec): ScoreNetwork {
  const fn = 'scoreNetworkFromSpec';
  const s = expectObject(fn, 'spec', spec);
  if (s.type !== SCORE_NETWORK_SPEC_TYPE)
    throw new ScoreNetworkFormatError(fn, 'spec.type', s.type, `"${SCORE_NETWORK_SPEC_TYPE}"`);
  return expectKind(fn, 'spec.network.kind', anyNetworkFromDocument(fn, 'spec.network', s.network), 'ou');
}

/** Rebuilds a CLD network from its `spec` (type `'cld-mlp'`, e.g. in a sampler worker). */
export function cldScoreNetworkFromSpec(spec: ScoreSpec): CLDScoreNetwork {
  const fn = 'cldScoreNetworkFromSpec';
  const s = expectObject(fn, 'spec', spec);
  if (s.type !== CLD_SCORE_NETWORK_SPEC_TYPE)
    throw new ScoreNetworkFormatError(fn, 'spec.type', s.type, `"${CLD_SCORE_NETWORK_SPEC_TYPE}"`);
  return expectKind(fn, 'spec.network.kind', anyNetworkFromDocument(fn, 'spec.network', s.network), 'cld');
}

function anyNetworkFromDocument(fn: string, path: string, document: unknown): AnyScoreNetwork {
  const doc = expectObject(fn, path, document);
  if (doc.format !== SCORE_NETWORK_FORMAT)
    throw new ScoreNetworkFormatError(fn, `${path}.format`, doc.format, `"${SCORE_NETWORK_FORMAT}"`);
  if (!SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS.includes(doc.version as number)) {
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.version`,
      doc.version,
      `a supported format version (${SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS.slice(0, -1).join(', ')} or ${SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS.at(-1)})`,
    );
  }
  const dtype = doc.dtype ?? 'float64';
  if (dtype !== 'float64' && dtype !== 'float32')
    throw new ScoreNetworkFormatError(fn, `${path}.dtype`, dtype, '"float64" or "float32"');
  const architecture = readArchitecture(fn, path, doc);
  const layouts = layerLayouts(architecture);
  const layers = doc.layers;
  if (!Array.isArray(layers) || layers.length !== layouts.length) {
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.layers`,
      layers,
      `an array of ${layouts.length} layers (hiddenWidths + 1)`,
    );
  }
  // Sizes before allocation: an absurd architecture (widths of 10^9) must fail on the arrays the file really
  // holds, not by asking for exabytes, so memory stays bounded by the file's size.
  layouts.forEach((layout, l) => {
    const layer = expectObject(fn, `${path}.layers[${l}]`, layers[l]);
    expectLength(
      fn,
      `${path}.layers[${l}].weight`,
      layer.weight,
      layout.inDim * layout.outDim,
      `${layout.inDim} × ${layout.outDim}`,
    );
    expectLength(fn, `${path}.layers[${l}].bias`, layer.bias, layout.outDim, `${layout.outDim}`);
  });
  const parameters = new Float64Array(parameterCount(layouts));
  layouts.forEach((layout, l) => {
    const layer = expectObject(fn, `${path}.layers[${l}]`, layers[l]);
    readNumbers(
      fn,
      `${path}.layers[${l}].weight`,
      layer.weight,
      layout.inDim * layout.outDim,
      `${layout.inDim} × ${layout.outDim}`,
      parameters,
      layout.weightOffset,
    );
    readNumbers(
      fn,
      `${path}.layers[${l}].bias`,
      layer.bias,
      layout.outDim,
      `${layout.outDim}`,
      parameters,
      layout.biasOffset,
    );
  });
  const trainedOn = readTrainingData(fn, path, doc, architecture.dim);
  if (architecture.kind !== 'cld') return new ScoreNetwork(architecture, parameters, dtype, trainedOn);
  return new CLDScoreNetwork(architecture, parameters, dtype, readInitialVelocityVariance(fn, path, doc), trainedOn);
}

/** Version 3, CLD networks: γ ≥ 0 (required; a DDPM document must not carry it). */
function readInitialVelocityVariance(fn: string, path: string, doc: Record<string, unknown>): number {
  const gamma = doc.initialVelocityVariance;
  if (typeof gamma !== 'number')
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.initialVelocityVariance`,
      gamma,
      'a finite number >= 0 (γ of a CLD network)',
    );
  rethrowAsFormatError(fn, () => expectNonNegative(fn, `${path}.initialVelocityVariance`, gamma));
  return gamma;
}

/** The version-2 fields `normalization`, `dataMoments` and `dataRange` (absent in version 1). */
function readTrainingData(fn: string, path: string, doc: Record<string, unknown>, d: number): ScoreNetworkData {
  for (const field of ['normalization', 'dataMoments', 'dataRange']) {
    if (doc[field] !== undefined && doc.version === 1)
      throw new ScoreNetworkFormatError(
        fn,
        `${path}.${field}`,
        doc[field],
        'absent in a version 1 file (it is a version 2 field)',
      );
  }
  const result: { normalization?: DataNormalization; dataMoments?: DataMoments; dataRange?: DataRange } = {};
  if (doc.normalization !== undefined)
    result.normalization = readNormalization(fn, `${path}.normalization`, doc.normalization, d);
  if (doc.dataMoments !== undefined) {
    const m = expectObject(fn, `${path}.dataMoments`, doc.dataMoments);
    const moments = {
      mean: readVector(fn, `${path}.dataMoments.mean`, m.mean, d),
      std: readVector(fn, `${path}.dataMoments.std`, m.std, d),
      // Optional (files written before they were recorded have neither); expectDataMoments checks they go together.
      ...(m.min !== undefined ? { min: readVector(fn, `${path}.dataMoments.min`, m.min, d) } : {}),
      ...(m.max !== undefined ? { max: readVector(fn, `${path}.dataMoments.max`, m.max, d) } : {}),
    };
    rethrowAsFormatError(fn, () => expectDataMoments(fn, `${path}.dataMoments`, moments, d));
    result.dataMoments = moments;
  }
  if (doc.dataRange !== undefined) {
    const r = expectObject(fn, `${path}.dataRange`, doc.dataRange);
    const range = {
      lower: readVector(fn, `${path}.dataRange.lower`, r.lower, d),
      upper: readVector(fn, `${path}.dataRange.upper`, r.upper, d),
    };
    range.upper.forEach((u, j) => {
      if (!(u >= range.lower[j]!))
        throw new ScoreNetworkFormatError(
          fn,
          `${path}.dataRange.upper[${j}]`,
          u,
          `a number >= dataRange.lower[${j}] = ${range.lower[j]}`,
        );
    });
    result.dataRange = range;
  }
  return result;
}

function readNormalization(fn: string, path: string, value: unknown, d: number): DataNormalization {
  const n = expectObject(fn, path, value);
  const mean = readVector(fn, `${path}.mean`, n.mean, d);
  let normalization: DataNormalization;
  if (n.kind === 'affine') normalization = { kind: 'affine', mean, scale: readVector(fn, `${path}.scale`, n.scale, d) };
  else if (n.kind === 'whitening')
    normalization = {
      kind: 'whitening',
      mean,
      matrix: readVector(fn, `${path}.matrix`, n.matrix, d * d, `${d} × ${d}`),
    };
  else throw new ScoreNetworkFormatError(fn, `${path}.kind`, n.kind, '"affine" or "whitening"');
  rethrowAsFormatError(fn, () => expectNormalization(fn, path, normalization, d));
  return normalization;
}

function readVector(fn: string, path: string, value: unknown, length: number, shape = `${length}`): Float64Array {
  const out = new Float64Array(length);
  readNumbers(fn, path, value, length, shape, out, 0);
  return out;
}

/** Validation errors of the semantic checks (positive scales, invertible matrix) become format errors with the same path. */
function rethrowAsFormatError(fn: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      throw new ScoreNetworkFormatError(fn, error.argument, error.value, error.expected);
    throw error;
  }
}

function readArchitecture(fn: string, path: string, doc: Record<string, unknown>): ScoreNetworkArchitecture {
  const arch = expectObject(fn, `${path}.architecture`, doc.architecture);
  const dim = expectPositiveInteger(fn, `${path}.architecture.dim`, arch.dim);
  const widths = arch.hiddenWidths;
  if (!Array.isArray(widths) || widths.length === 0) {
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.architecture.hiddenWidths`,
      widths,
      'a non-empty array of positive integers',
    );
  }
  widths.forEach((w, i) => expectPositiveInteger(fn, `${path}.architecture.hiddenWidths[${i}]`, w));
  if (arch.activation !== 'silu')
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.architecture.activation`,
      arch.activation,
      '"silu" (the only activation implemented)',
    );
  const skip = arch.parameterisation === 'noise-prediction-skip' && doc.version !== 1;
  if (arch.parameterisation !== 'noise-prediction' && !skip) {
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.architecture.parameterisation`,
      arch.parameterisation,
      doc.version === 1 ? '"noise-prediction" (version 1)' : '"noise-prediction" or "noise-prediction-skip"',
    );
  }
  const time = expectObject(fn, `${path}.timeFeatures`, doc.timeFeatures);
  if (time.input !== 'log-t')
    throw new ScoreNetworkFormatError(fn, `${path}.timeFeatures.input`, time.input, '"log-t"');
  const frequencies = time.frequencies;
  if (!Array.isArray(frequencies))
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.timeFeatures.frequencies`,
      frequencies,
      'an array of finite numbers',
    );
  frequencies.forEach((f, i) => {
    if (typeof f !== 'number' || !Number.isFinite(f))
      throw new ScoreNetworkFormatError(fn, `${path}.timeFeatures.frequencies[${i}]`, f, 'a finite number');
  });
  const horizon = readResidualHorizon(fn, path, doc, arch.residualHorizon, skip, 'residualHorizon');
  const box = readResidualHorizon(fn, path, doc, arch.residualBox, skip, 'residualBox');
  return {
    dim,
    hiddenWidths: widths as number[],
    activation: 'silu',
    timeFeatures: { frequencies: frequencies as number[] },
    ...(skip ? { parameterisation: 'noise-prediction-skip' as const } : {}),
    ...(readKind(fn, path, doc) === 'cld' ? { kind: 'cld' as const } : {}),
    ...(horizon === undefined ? {} : { residualHorizon: horizon }),
    ...(box === undefined ? {} : { residualBox: box }),
  };
}

/** `architecture.residualHorizon` or `residualBox` (version 4, skip only): absent, or a finite number > 0. */
function readResidualHorizon(
  fn: string,
  path: string,
  doc: Record<string, unknown>,
  value: unknown,
  skip: boolean,
  field: 'residualHorizon' | 'residualBox',
): number | undefined {
  if (value === undefined) return undefined;
  const at = `${path}.architecture.${field}`;
  if (doc.version !== RESIDUAL_HORIZON_FORMAT_VERSION)
    throw new ScoreNetworkFormatError(
      fn,
      at,
      value,
      `absent in a version ${String(doc.version)} file (it is a version 4 field)`,
    );
  if (!skip)
    throw new ScoreNetworkFormatError(fn, at, value, 'absent unless the parameterisation is "noise-prediction-skip"');
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0))
    throw new ScoreNetworkFormatError(fn, at, value, 'a finite number > 0');
  return value;
}

/** `kind` (version 3): absent or `'ou'` for DDPM, `'cld'`; `initialVelocityVariance` only with `'cld'`. */
function readKind(fn: string, path: string, doc: Record<string, unknown>): 'ou' | 'cld' {
  const kind = doc.kind ?? 'ou';
  if (doc.kind !== undefined && doc.version !== 3)
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.kind`,
      doc.kind,
      `absent in a version ${String(doc.version)} file (it is a version 3 field)`,
    );
  if (kind !== 'ou' && kind !== 'cld') throw new ScoreNetworkFormatError(fn, `${path}.kind`, kind, '"ou" or "cld"');
  if (kind === 'ou' && doc.initialVelocityVariance !== undefined) {
    throw new ScoreNetworkFormatError(
      fn,
      `${path}.initialVelocityVariance`,
      doc.initialVelocityVariance,
      'absent in a DDPM network (only kind "cld" has it)',
    );
  }
  return kind;
}

function expectObject(fn: string, path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ScoreNetworkFormatError(fn, path, value, 'an object');
  return value as Record<string, unknown>;
}

function expectPositiveInteger(fn: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ScoreNetworkFormatError(fn, path, value, 'a positive integer');
  return value;
}

/** Copies an array of exactly `length` finite numbers into `out[offset…]`. */
function expectLength(
  fn: string,
  path: string,
  value: unknown,
  length: number,
  shape: string,
): asserts value is unknown[] {
  if (!Array.isArray(value) || value.length !== length)
    throw new ScoreNetworkFormatError(fn, path, value, `an array of ${length} numbers (${shape})`);
}

function readNumbers(
  fn: string,
  path: string,
  value: unknown,
  length: number,
  shape: string,
  out: Float64Array,
  offset: number,
): void {
  expectLength(fn, path, value, length, shape);
  for (let i = 0; i < length; i++) {
    const v = value[i];
    // JSON writes NaN and ±Infinity as null, so a null here is a non-finite weight.
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ScoreNetworkFormatError(fn, `${path}[${i}]`, v, 'a finite number');
    out[offset + i] = v;
  }
}
