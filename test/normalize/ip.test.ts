import { normalizeRecord, parseClientAddress } from '../../shared/normalize';

describe('client address formats', () => {
  it.each([
    ['81.2.69.143', { ip: '81.2.69.143' }],
    ['81.2.69.143:49150', { ip: '81.2.69.143', port: 49150 }],
    ['  81.2.69.143  ', { ip: '81.2.69.143' }],
    ['2001:db8::1', { ip: '2001:db8::1' }],
    ['2A02:CF40::', { ip: '2a02:cf40::' }],
    ['::1', { ip: '::1' }],
    ['[2001:db8::1]:443', { ip: '2001:db8::1', port: 443 }],
    ['[2001:db8::1]', { ip: '2001:db8::1' }],
    ['[::ffff:192.0.2.7]:8080', { ip: '192.0.2.7', port: 8080 }],
    ['::ffff:192.0.2.7', { ip: '192.0.2.7' }],
    ['::FFFF:192.0.2.7', { ip: '192.0.2.7' }],
    ['fe80::1%eth0', { ip: 'fe80::1' }],
    ['1.2.3.4:99999', { ip: '1.2.3.4' }],
    ['1.2.3.4:abc', { ip: '1.2.3.4' }],
    ['', undefined],
    ['   ', undefined],
    ['null', undefined],
    ['<null>', undefined],
    ['ClientIP', undefined],
    ['999.1.1.1', undefined],
    ['1.2.3', undefined],
    ['[2001:db8::1', undefined],
    ['[not-an-ip]:80', undefined],
    ['[2001:db8::1]x80', undefined],
    ['host.example.com:443', undefined],
  ])('parses %p', (text, expected) => {
    expect(parseClientAddress(text)).toEqual(expected);
  });

  it.each([null, undefined, 17, {}, ['1.2.3.4']])('ignores a non-string %p', (value) => {
    expect(parseClientAddress(value)).toBeUndefined();
  });

  it('falls back from an unusable ClientIP to ClientIPAddress, then ActorIpAddress, and relates all valid ones', () => {
    const r = normalizeRecord({
      Id: 'x',
      ClientIP: '<null>',
      ClientIPAddress: '',
      ActorIpAddress: '[2001:db8::9]:1234',
    });
    expect(r.ok && r.event.source).toEqual({ ip: '2001:db8::9', port: 1234, address: '2001:db8::9' });
    expect(r.ok && r.event.client).toEqual({ ip: '2001:db8::9', port: 1234, address: '2001:db8::9' });
    const both = normalizeRecord({
      Id: 'y',
      ClientIP: '192.0.2.1:5',
      ClientIPAddress: '192.0.2.1',
      ActorIpAddress: '::ffff:192.0.2.2',
    });
    expect(both.ok && both.event.source?.ip).toBe('192.0.2.1');
    expect(both.ok && both.event.related?.ip).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});
