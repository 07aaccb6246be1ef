// Typed options the CLI adapter hands to commands. Commands never read process.argv.

export interface GlobalOptions {
  debug: boolean;
  enableLog: boolean;
  logFile?: string;
}

export interface RunOptions extends GlobalOptions {
  server?: string;
  /** undefined = the default (sync on). */
  sync?: boolean;
  /** undefined = decide from the terminal. */
  tty?: boolean;
  dryRun: boolean;
  command: string[];
}

export interface InitOptions extends GlobalOptions {
  force: boolean;
}
