/**
 * `@sgmkit/sampler/io` (platform-neutral). Sample and point-cloud text formats: CSV and JSON writers that round-trip
 * float64 exactly, and parsers with errors naming the source, line and problem.
 * Platform-neutral; the functions that touch files are in `@sgmkit/sampler/node`.
 * @packageDocumentation
 */
export { DataFileError } from './errors.js';
export { samplesToCsv, samplesToJson, sampleFileFormat, defaultColumnNames } from './write.js';
export { parsePointCloudCsv, parsePointCloudJson } from './read.js';
