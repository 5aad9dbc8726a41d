/**
 * JSON parsing for device payloads. Devices written in Python or C often send the bare
 * literals NaN / Infinity, which are not JSON. Rather than answer "Unexpected token N at
 * position 61", we read them as non-finite numbers so that validation can name the exact
 * field ("/metrics/temperature must be a finite number").
 */

/** A JSON object (not null, not an array): the one check every payload parser starts with. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const MARKER = '\u0000geopulse-non-finite:';

/** Replaces bare NaN/Infinity/-Infinity tokens outside strings with marker strings. */
function markNonFinite(text: string): string | undefined {
  let out: string[] | undefined;
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c !== 78 /* N */ && c !== 73 /* I */ && c !== 45 /* - */) continue;
    for (const token of Object.keys(NON_FINITE)) {
      if (text.startsWith(token, i)) {
        out ??= [];
        out.push(text.slice(last, i), JSON.stringify(MARKER + token));
        last = i + token.length;
        i = last - 1;
        break;
      }
    }
  }
  if (!out) return undefined;
  out.push(text.slice(last));
  return out.join('');
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(MARKER)) return NON_FINITE[value.slice(MARKER.length)];
  return value;
}

/** Parses JSON, accepting NaN/Infinity as non-finite numbers; throws JsonSyntaxError. */
export function parseJsonDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const marked = markNonFinite(text);
    if (marked !== undefined) {
      try {
        return JSON.parse(marked, revive);
      } catch {
        // fall through to the original error, which points at the real problem
      }
    }
    throw new JsonSyntaxError(`malformed JSON: ${(err as Error).message}`);
  }
}

/** Parses newline-delimited JSON; blank lines are skipped; errors name the 1-based line. */
export function parseNdjson(text: string): unknown[] {
  const items: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      items.push(parseJsonDocument(line));
    } catch (err) {
      throw new JsonSyntaxError(`line ${i + 1}: ${(err as Error).message}`, i + 1);
    }
  }
  return items;
}
