import fs from 'node:fs';
import path from 'node:path';

// Debug log for --enable-log / --log-file. Every line passes through redact(), so a password that
// reaches a log message by accident is still never written.
export interface Logger {
  debug(message: string): void;
  addSecret(secret: string | undefined): void;
  readonly file?: string;
}

export const nullLogger: Logger = { debug: () => undefined, addSecret: () => undefined };

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

export function defaultLogPath(projectRoot: string, now: Date, pid = process.pid): string {
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
  return path.join(projectRoot, '.mtr', 'logs', `mtr-${stamp}-${pid}.log`);
}

export function createFileLogger(file: string, now: () => Date = () => new Date()): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a', 0o600);
  const secrets: string[] = [];
  return {
    file,
    addSecret: (secret) => {
      if (secret) secrets.push(secret);
    },
    // A log that cannot be written (disk full) must not end the run it describes.
    debug: (message) => {
      try {
        fs.writeSync(fd, `${now().toISOString()} ${redact(message, secrets)}\n`);
      } catch {
        // nothing better to do with a debug line
      }
    },
  };
}
