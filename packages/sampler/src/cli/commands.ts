/**
 * The registry of `sgmkit` subcommands, in the order `sgmkit --help` lists them.
 * @packageDocumentation
 */
import type { Command } from './command.js';
import { plotCommand } from './commands/plot.js';
import { mergeCommand } from './commands/merge.js';
import { likelihoodCommand } from './commands/likelihood.js';
import { sampleCommand } from './commands/sample.js';
import { verifyCommand } from './commands/verify.js';
import { trainCommand } from './commands/train.js';
import { benchCommand, benchmarksCheckoutAvailable } from './commands/bench.js';

/** Every subcommand; `bench` only in a checkout of the repository (it runs the checkout's benchmarks/). */
export const COMMANDS: readonly Command[] = [
  sampleCommand,
  verifyCommand,
  likelihoodCommand,
  trainCommand,
  ...(benchmarksCheckoutAvailable() ? [benchCommand] : []),
  plotCommand,
  mergeCommand,
];
