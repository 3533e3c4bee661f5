/**
 * The notification stream over a real socket, on both backend sets: a follow reaches an open
 * server-sent events stream within a poll, the unread count follows it, a reconnect with Last-Event-ID
 * gets what it missed, and closing the app ends open streams instead of waiting for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../core/testing/wait-for.ts';
import { BACKEND_SETS } from '../api/testing/harness.ts';
import { type LiveApp, startLiveApp } from '../api/testing/live-app.ts';

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** Opens the stream and collects its events until `close()`. */
async function openStream(base: string, token: string, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/v1/notifications/stream`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  let ended = false;
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':') && l.includes(': '))
              .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
          );
          if (fields.event) {
            events.push({
              event: fields.event,
              data: JSON.parse(fields.data ?? 'null'),
              ...(fields.id ? { id: fields.id } : {}),
            });
          }
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
    ended = true;
  })();
  return {
    res,
    events,
    ended: () => ended,
    async close() {
      abort.abort();
      await done;
    },
  };
}

for (const set of BACKEND_SETS) {
  describe(`notification stream (${set})`, () => {
    let app: LiveApp;
    const token: Record<string, string> = {};
    const id: Record<string, string> = {};
    const api = (method: string, path: string, who: string) =>
      fetch(`${app.base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token[who]}` } });

    beforeAll(async () => {
      app = await startLiveApp(`notif-stream-${set}`, { NOTIFICATIONS_POLL_MS: '100' }, set);
      for (const who of ['star', 'fan', 'other']) {
        const res = await fetch(`${app.base}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ handle: `${who}_${set}`, password: 'a long password' }),
        });
        const body = (await res.json()) as { token: string; user: { id: string } };
        token[who] = body.token;
        id[who] = body.user.id;
      }
    }, 120_000);
    afterAll(() => app?.close(), 60_000);

    it('sends a new follow as it happens, with the unread count, and resumes after Last-Event-ID', async () => {
      const stream = await openStream(app.base, token.star!);
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await waitFor('the first unread event', () => stream.events.find((e) => e.event === 'unread'), 10_000);

      expect((await api('POST', `/users/${id.star}/follow`, 'fan')).status).toBe(200);
      const note = await waitFor(
        'the follow notification',
        () => stream.events.find((e) => e.event === 'notification'),
        10_000,
      );
      expect(note.data).toMatchObject({ type: 'follow', actor: { id: id.fan, handle: `fan_${set}` }, read: false });
      expect(note.id).toBe((note.data as { id: string }).id);
      await waitFor(
        'the unread count after it',
        () =>
          stream.events.some((e) => e.event === 'unread' && (e.data as { unread_count: number }).unread_count === 1),
        10_000,
      );
      await stream.close();

      // Missed while disconnected: sent at once on a reconnect that names the last id it saw.
      expect((await api('POST', `/users/${id.star}/follow`, 'other')).status).toBe(200);
      const again = await openStream(app.base, token.star!, note.id);
      const missed = await waitFor(
        'the missed notification',
        () => again.events.find((e) => e.event === 'notification'),
        10_000,
      );
      expect(missed.data).toMatchObject({ type: 'follow', actor: { id: id.other } });
      expect(again.events.filter((e) => e.event === 'notification')).toHaveLength(1);
      await again.close();
    }, 60_000);

    it('answers 401 without a session', async () => {
      const res = await fetch(`${app.base}/api/v1/notifications/stream`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    });

    it('ends open streams when the app closes, instead of waiting for them', async () => {
      const stream = await openStream(app.base, token.fan!);
      await waitFor('the stream to open', () => stream.events.length > 0, 10_000);
      const t0 = Date.now();
      await app.close();
      await waitFor('the stream to end', () => stream.ended(), 10_000);
      expect(Date.now() - t0).toBeLessThan(10_000);
      app = undefined as unknown as LiveApp;
    }, 30_000);
  });
}
