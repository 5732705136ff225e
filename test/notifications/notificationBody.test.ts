import { classifyWebhookBody } from '../../shared/notifications/notificationBody';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

describe('webhook body classification', () => {
  it('reads a validation object as the handshake, with or without the header', () => {
    expect(classifyWebhookBody(bytes('{"validationCode":"abc"}'), 'abc')).toEqual({
      kind: 'validation',
      validationCode: 'abc',
    });
    expect(classifyWebhookBody(bytes('{"validationCode":"xyz"}'), null)).toEqual({
      kind: 'validation',
      validationCode: 'xyz',
    });
  });

  it('answers the handshake when only the header is present (empty or unreadable body)', () => {
    expect(classifyWebhookBody(bytes(''), 'code-1')).toEqual({
      kind: 'validation',
      validationCode: 'code-1',
    });
    expect(classifyWebhookBody(bytes('not json'), 'code-2')).toEqual({
      kind: 'validation',
      validationCode: 'code-2',
    });
    expect(classifyWebhookBody(bytes('{"other":1}'), 'code-3')).toEqual({
      kind: 'validation',
      validationCode: 'code-3',
    });
  });

  it('reads an array as notifications, even beside a validation header, so no blob is dropped', () => {
    const body = bytes('[{"contentId":"a"},{"contentId":"b"}]');
    expect(classifyWebhookBody(body, null)).toEqual({
      kind: 'notifications',
      items: [{ contentId: 'a' }, { contentId: 'b' }],
    });
    expect(classifyWebhookBody(body, 'code')).toMatchObject({ kind: 'notifications' });
  });

  it('decodes UTF-8 itself and ignores a byte-order mark', () => {
    const result = classifyWebhookBody(bytes('\uFEFF[{"contentId":"é"}]'), null);
    expect(result).toEqual({ kind: 'notifications', items: [{ contentId: 'é' }] });
  });

  it('reads a slice of a larger buffer without the bytes around it', () => {
    const whole = Buffer.from('xxx[1]yyy', 'utf8');
    const slice = new Uint8Array(whole.buffer, whole.byteOffset + 3, 3);
    expect(classifyWebhookBody(slice, null)).toEqual({ kind: 'notifications', items: [1] });
  });

  it('refuses malformed JSON with the parser reason', () => {
    const result = classifyWebhookBody(bytes('[{"contentId":'), null);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toMatch(/not valid JSON/);
  });

  it('refuses an empty body, a JSON object without validationCode and a scalar', () => {
    for (const text of ['', '   ', '{"contentId":"a"}', '42', 'null', '"text"']) {
      const result = classifyWebhookBody(bytes(text), null);
      expect(result.kind).toBe('invalid');
    }
  });
});
