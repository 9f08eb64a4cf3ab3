/**
 * The registry of `sgmkit` subcommands, in the order `sgmkit --help` lists them.
 * @packageDocumentation
 */
import type { Command } from './command.js';
import { plotCommand } from './commands/plot.js';
import { sampleCommand } from './commands/sample.js';
import { verifyCommand } from './commands/verify.js';
import { trainCommand } from './commands/train.js';
import { benchCommand } from './commands/bench.js';

/** Every subcommand. */
export const COMMANDS: readonly Command[] = [sampleCommand, verifyCommand, trainCommand, benchCommand, plotCommand];
