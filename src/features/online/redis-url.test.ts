import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactUrls, scrub } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('reads host, port, TLS, credentials and database, and shows the URL without its password', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, tls: false, username: undefined, password: undefined, db: 0, display: 'redis://127.0.0.1:6380' });
    expect(parseRedisUrl('rediss://app:p%40ss%2Fw@cache.example.com/4')).toEqual({
      host: 'cache.example.com', port: 6379, tls: true, username: 'app', password: 'p@ss/w', db: 4, display: 'rediss://app:***@cache.example.com:6379/4',
    });
    expect(parseRedisUrl('redis://:secret@[::1]:7000').display).toBe('redis://:***@[::1]:7000');
  });

  it('refuses other schemes, queries and non-numeric databases with BAD_ARGUMENT and no password', () => {
    for (const url of ['http://:secret@h:1', 'h:6379', 'redis://:secret@h/x', 'redis://h?password=secret', '']) {
      let error: unknown;
      try {
        parseRedisUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toMatchObject({ code: 'BAD_ARGUMENT' });
      expect(JSON.stringify(error) + String((error as Error).message), url).not.toContain(':secret@');
    }
  });
});

describe('redaction', () => {
  it('hides the password of every URL in a text, and a given secret anywhere', () => {
    expect(redactUrls('to redis://u:pw@h:1 and rediss://:x@y/2, not mailto:a@b')).toBe('to redis://u:***@h:1 and rediss://:***@y/2, not mailto:a@b');
    expect(scrub('AUTH failed for hunter2', 'hunter2')).toBe('AUTH failed for ***');
  });
});
