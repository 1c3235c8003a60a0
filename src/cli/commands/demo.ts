import type { Command } from 'commander';

/** Registers the `demo` command group (not built yet). */
export function register(_program: Command): void {}
