#!/usr/bin/env node
/**
 * The `sgmkit` binary. All logic lives in {@link runCli}; this file only
 * wires it to the process.
 * @packageDocumentation
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
