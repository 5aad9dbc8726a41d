/**
 * kafkajs 2.2.4 schedules its request-queue check with `setTimeout(fn, throttledUntil - Date.now())`
 * while `throttledUntil` is -1 (tulios/kafkajs#1751; the fix, #1756, is unreleased). Every Node
 * clamps a negative delay to 1 ms, which is what kafkajs means; Node 24 also prints a
 * TimeoutNegativeWarning to stderr, outside our JSON logs. Only that warning, and only when the
 * timer is kafkajs's request queue, is dropped; every other warning is emitted as before.
 */
export function isKafkajsNegativeTimeout(type: unknown, stack: string | undefined): boolean {
  return type === 'TimeoutNegativeWarning' && /kafkajs[\\/]src[\\/]network[\\/]requestQueue/.test(stack ?? '');
}

let installed = false;

export function dropKafkajsNegativeTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const options = rest[0];
    const type = typeof options === 'string' ? options : (options as { type?: unknown } | undefined)?.type;
    if (isKafkajsNegativeTimeout(type, new Error().stack)) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
