import * as fs from 'node:fs';

/** The last `lines` lines of a (possibly large) log file; '' when it does not exist. */
export function readLogTail(file: string, lines = 40, maxBytes = 64 * 1024): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(/\s+$/, '');
    return text.split('\n').slice(-lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}

/** An error message followed by an indented log tail, for readable failures. */
export function withLogTail(message: string, logFile: string, lines = 40): string {
  const tail = readLogTail(logFile, lines);
  if (!tail) return `${message} (log: ${logFile}, empty)`;
  return `${message}\n--- last lines of ${logFile} ---\n${tail}\n---`;
}
