/**
 * Picks a backend factory by the URL's scheme. Only `open*()` functions call this; domain code
 * receives the opened port and never sees a URL.
 */
export async function openByScheme<T>(
  portName: string,
  url: string,
  backends: Readonly<Record<string, (url: URL) => Promise<T>>>,
): Promise<T> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${portName}: "${url}" is not a URL (expected one of ${Object.keys(backends).join(', ')})`);
  }
  const factory = backends[parsed.protocol];
  if (!factory) {
    throw new Error(
      `${portName}: unsupported scheme "${parsed.protocol}" in ${redact(url)}; supported: ${Object.keys(backends).join(', ')}`,
    );
  }
  return factory(parsed);
}

/** The URL with any password replaced, for logs and error messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** A path from a `scheme://relative/or/absolute` URL: `sqlite://./data/x.db` → `./data/x.db`. */
export function pathFromUrl(url: URL): string {
  const raw = decodeURIComponent(url.href.slice(url.protocol.length + 2).split('?')[0] ?? '');
  return raw === '' ? '.' : raw;
}
