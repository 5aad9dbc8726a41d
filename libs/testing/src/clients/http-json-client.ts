/** Small fetch wrapper for the harness's own HTTP APIs: JSON in, clear errors out. */
export async function requestJson<T>(method: string, url: string, timeoutMs = 5000): Promise<T | undefined> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as T) : undefined;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
