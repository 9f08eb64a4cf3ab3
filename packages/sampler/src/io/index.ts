/**
 * Sample and point-cloud files: CSV and JSON writers that round-trip float64
 * exactly, and readers with errors naming the file, line and problem.
 * @packageDocumentation
 */
export { DataFileError } from './errors.js';
export { samplesToCsv, samplesToJson, writeSamples, sampleFileFormat, writeTextFile, writeBinaryFile, defaultColumnNames } from './write.js';
export { parsePointCloudCsv, parsePointCloudJson, readPointCloud, readTextFile } from './read.js';
