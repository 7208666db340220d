// Redis URLs: redis://[user[:password]@]host[:port][/db] over TCP, rediss://… over TLS. Anything else is refused
// with a clear error, and a URL's password never reaches a message: every URL shown is redacted first.
import { AdrankError } from '../../core/errors.js';

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
  /** the URL with its password replaced by *** — the only form of it that goes into messages */
  display: string;
}

/** Replaces the password of every URL in `text` (scheme://user:password@…) by ***. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]*@/gi, '$1***@');
}

/** `text` with every URL redacted and every occurrence of `secret` (when given) replaced by ***. */
export function scrub(text: string, secret?: string): string {
  const redacted = redactUrls(text);
  return secret ? redacted.split(secret).join('***') : redacted;
}

function badUrl(url: string, problem: string, hint: string): AdrankError {
  return new AdrankError('BAD_ARGUMENT', `${problem}: ${redactUrls(url)}`, { location: { field: 'redis', value: redactUrls(url) }, hint });
}

export function parseRedisUrl(url: string): RedisEndpoint {
  const example = 'e.g. redis://127.0.0.1:6379, redis://:PASSWORD@host:6379/2, or rediss://host:6380 for TLS';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(url, 'not a Redis URL', example);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw badUrl(url, `a Redis URL starts with redis:// or rediss://, not ${parsed.protocol}//`, example);
  }
  if (parsed.search || parsed.hash) throw badUrl(url, 'Redis URLs take no query or fragment', example);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(dbText)) throw badUrl(url, `the database after the host must be a number, not "${dbText}"`, example);
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const host = (parsed.hostname || '127.0.0.1').replace(/^\[|\]$/g, '');
  const auth = username !== undefined || password !== undefined ? `${parsed.username}${password !== undefined ? ':***' : ''}@` : '';
  const display = `${parsed.protocol}//${auth}${host.includes(':') ? `[${host}]` : host}:${port}${dbText ? `/${dbText}` : ''}`;
  return { host, port, tls: parsed.protocol === 'rediss:', username, password, db: dbText ? Number(dbText) : 0, display };
}
