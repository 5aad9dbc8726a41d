import type { Log } from '../application/run-feed';

/** JSON lines in the services' shape (time, level, service, msg, fields); never tokens or payloads. */
export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(line)): Log {
  return (level, msg, fields = {}) => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, service: 'simulator', msg };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) entry[key] = value;
    write(`${JSON.stringify(entry)}\n`);
  };
}
