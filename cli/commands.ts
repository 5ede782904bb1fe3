import type { Command } from './command';
import { connectorsCommand } from './connectors-command';
import { initCommand } from './init-command';
import { inspectCommand } from './inspect-command';
import { resetCommand } from './reset-command';
import { runCommand } from './run-command';
import { serveCliCommand } from './serve-cli-command';
import { validateCliCommand } from './validate-command';
import { verifyCommand } from './verify-command';

/** The `lockstep` sub-commands, in the order `lockstep --help` lists them. A new command is one entry here. */
export const COMMANDS: readonly Command[] = [runCommand, validateCliCommand, verifyCommand, inspectCommand, resetCommand, connectorsCommand, initCommand, serveCliCommand];
