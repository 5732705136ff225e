import {
  assertContentUriAllowed,
  contentIdMismatch,
  ContentUriRejectedError,
  contentUriProblem,
  pageLinkProblem,
} from '../../shared/managementApi';

const tenantId = 'f28ab78a-d401-4060-8012-736e373933eb';
const scope = { tenantId, apiBaseUrl: 'https://manage.office.com' };
const contentId =
  '492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04';
const good = `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/${contentId}`;

describe('contentUri guard', () => {
  it('accepts the documented contentUri of the tenant and returns it unchanged', () => {
    expect(contentUriProblem(good, scope)).toBeUndefined();
    expect(assertContentUriAllowed(good, scope)).toBe(good);
  });

  it('accepts the tenant id in upper case', () => {
    const upper = good.replace(tenantId, tenantId.toUpperCase());
    expect(contentUriProblem(upper, scope)).toBeUndefined();
  });

  it('accepts a local stand-in host when its port matches the configured base URL', () => {
    const local = { tenantId, apiBaseUrl: 'https://127.0.0.1:8443' };
    expect(
      contentUriProblem(`https://127.0.0.1:8443/api/v1.0/${tenantId}/activity/feed/audit/x$1`, local),
    ).toBeUndefined();
  });

  const rejected: [string, unknown, string][] = [
    ['a value that is not a string', 42, 'notAString'],
    ['a relative reference', `/api/v1.0/${tenantId}/activity/feed/audit/x`, 'notAUrl'],
    ['plain http', good.replace('https:', 'http:'), 'notHttps'],
    ['another host', good.replace('manage.office.com', 'evil.example.com'), 'wrongOrigin'],
    [
      'a look-alike host suffix',
      good.replace('manage.office.com', 'manage.office.com.evil.example'),
      'wrongOrigin',
    ],
    [
      'the API host on another port',
      good.replace('manage.office.com', 'manage.office.com:8443'),
      'wrongOrigin',
    ],
    ['another cloud API host', good.replace('manage.office.com', 'manage.office365.us'), 'wrongOrigin'],
    ['userinfo before the host', good.replace('https://', 'https://user:pw@'), 'hasUserinfo'],
    ['an empty userinfo', good.replace('https://', 'https://@'), 'hasUserinfo'],
    [
      'userinfo that names the API host',
      `https://manage.office.com@evil.example.com/api/v1.0/${tenantId}/activity/feed/audit/x`,
      'hasUserinfo',
    ],
    [
      'another tenant in the path',
      good.replace(tenantId, '11111111-2222-3333-4444-555555555555'),
      'wrongTenant',
    ],
    [
      'a dot-dot segment',
      `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/../../../11111111-2222-3333-4444-555555555555/activity/feed/audit/x`,
      'pathTrick',
    ],
    [
      'an encoded dot-dot segment',
      `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/%2e%2e/x`,
      'pathTrick',
    ],
    [
      'an encoded slash',
      `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/a%2Fb`,
      'pathTrick',
    ],
    ['a backslash', `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit\\x`, 'pathTrick'],
    [
      'a backslash after the host',
      `https://manage.office.com\\@evil.example.com/api/v1.0/${tenantId}/activity/feed/audit/x`,
      'pathTrick',
    ],
    [
      'a space in the path',
      `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/a b`,
      'pathTrick',
    ],
    [
      'a path outside the audit feed',
      `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/subscriptions/list`,
      'wrongPath',
    ],
    ['an extra segment after the content id', `${good}/more`, 'wrongPath'],
    ['no content id', `https://manage.office.com/api/v1.0/${tenantId}/activity/feed/audit/`, 'wrongPath'],
    ['a fragment', `${good}#frag`, 'hasFragment'],
    ['a query string', `${good}?PublisherIdentifier=${tenantId}`, 'hasQuery'],
    ['a query that names another resource', `${good}?$select=*&redirect=https://evil.example`, 'hasQuery'],
    ['an empty query', `${good}?`, 'hasQuery'],
    ['a scheme without slashes', good.replace('https://', 'https:'), 'notAUrl'],
    ['a very long URI', `${good}${'a'.repeat(5000)}`, 'tooLong'],
  ];

  it.each(rejected)('rejects a contentUri with %s', (_what, uri, reason) => {
    expect(contentUriProblem(uri, scope)?.reason).toBe(reason);
    let thrown: unknown;
    try {
      assertContentUriAllowed(uri, scope);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ContentUriRejectedError);
    expect((thrown as ContentUriRejectedError).reason).toBe(reason);
    expect((thrown as ContentUriRejectedError).message).toContain(reason);
  });

  it('accepts paging links in both the v1.0 and the documented v1 form, and refuses them elsewhere', () => {
    const page = `https://manage.office.com/api/v1/${tenantId}/activity/feed/subscriptions/content?contentType=Audit.SharePoint&nextPage=2015101900R022885001761`;
    expect(pageLinkProblem(page, scope)).toBeUndefined();
    expect(pageLinkProblem(page.replace('/v1/', '/v1.0/'), scope)).toBeUndefined();
    expect(pageLinkProblem(page.replace('manage.office.com', 'evil.example.com'), scope)?.reason).toBe(
      'wrongOrigin',
    );
    expect(
      pageLinkProblem(page.replace(tenantId, '11111111-2222-3333-4444-555555555555'), scope)?.reason,
    ).toBe('wrongTenant');
    expect(pageLinkProblem(good, scope)?.reason).toBe('wrongPath');
  });
});

describe('contentIdMismatch', () => {
  it('accepts the contentId that is the last segment of the contentUri, plain or percent-encoded', () => {
    expect(contentIdMismatch(contentId, good)).toBeUndefined();
    expect(contentIdMismatch(contentId, good.replace(/\$/g, '%24'))).toBeUndefined();
  });

  it.each([
    ['another blob of the same tenant', good.replace(/\$04$/, '$05')],
    ['a prefix of the id', good.slice(0, -3)],
    ['an id that only matches after a query is dropped', `${good.slice(0, -3)}?x=$04`],
  ])('refuses a contentUri naming %s', (_what, uri) => {
    expect(contentIdMismatch(contentId, uri)).toBe('contentId is not the last path segment of contentUri');
  });
});
