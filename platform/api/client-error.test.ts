import { describe, expect, it } from 'vitest';
import { clientErrorHandler } from './error-handler.ts';

function fakeSocket(writable = true) {
  const s = {
    writable,
    written: '',
    destroyed: false,
    write: (d: string) => (s.written += d),
    destroy: () => (s.destroyed = true),
  };
  return s;
}

describe('clientErrorHandler', () => {
  it('answers a parser refusal in the documented error shape and closes', () => {
    const s = fakeSocket();
    clientErrorHandler(Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), s);
    const [head, body] = s.written.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(body!)).toMatchObject({ error: { code: 'MALFORMED_REQUEST' } });
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(s.destroyed).toBe(true);
  });

  it('says 431 HEADERS_TOO_LARGE for a header overflow, and writes nothing to a closed socket', () => {
    const s = fakeSocket();
    clientErrorHandler(Object.assign(new Error('big'), { code: 'HPE_HEADER_OVERFLOW' }), s);
    expect(s.written).toMatch(/^HTTP\/1\.1 431 /);
    expect(s.written).toContain('"HEADERS_TOO_LARGE"');
    const closed = fakeSocket(false);
    clientErrorHandler(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), closed);
    expect([closed.written, closed.destroyed]).toEqual(['', true]);
  });
});
