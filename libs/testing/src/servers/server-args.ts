/** Reads `--name value` pairs from argv. */
export function readFlag(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
}

export function readPortFlag(argv: string[], name: string): number {
  const value = Number(readFlag(argv, name));
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`--${name} <port> is required (got ${readFlag(argv, name) ?? 'nothing'})`);
  }
  return value;
}
