import { eqlMatches, EqlSyntaxError, parseEql } from './eql';

const doc = {
  event: { category: ['web', 'email'], action: 'SoftDelete', provider: 'Exchange', outcome: 'success' },
  user: { domain: 'Contoso.com' },
  o365: {
    audit: {
      AffectedItems: [{ Subject: 'Weekly report' }, { Subject: 'Your New MFA method was added' }],
      Parameters: { ForwardTo: 'drop@evil.example', RedirectTo: 'boss@contoso.com' },
      SearchQueryText: '',
      Count: 3,
    },
  },
};

function matches(query: string): boolean {
  return eqlMatches(parseEql(query), doc);
}

describe('EQL subset', () => {
  it.each([
    ['web where event.action == "SoftDelete"', true],
    ['email where event.action == "SoftDelete"', true],
    ['authentication where event.action == "SoftDelete"', false],
    ['any where event.action == "softdelete"', false],
    ['any where event.action : "softdelete"', true],
    ['any where event.action in ("HardDelete", "SoftDelete")', true],
    ['any where event.action in ("HardDelete", "MoveToDeletedItems")', false],
    ['any where o365.audit.AffectedItems.Subject like~ ("*new mfa*", "*2fa*")', true],
    ['any where o365.audit.AffectedItems.Subject like~ "*sign-in*"', false],
    ['any where o365.audit.AffectedItems.Subject like "*new mfa*"', false],
    ['any where o365.audit.AffectedItems.Subject like~ "weekly ?eport"', true],
    ['any where not o365.audit.AffectedItems.Subject like~ ("*log in*")', true],
    ['any where ?o365.audit.Parameters.ForwardTo != null', true],
    ['any where ?o365.audit.Parameters.BlindCopyTo != null', false],
    ['any where ?o365.audit.Parameters.BlindCopyTo == null', true],
    ['any where not endsWith~(?o365.audit.Parameters.ForwardTo, user.domain)', true],
    ['any where endsWith~(?o365.audit.Parameters.RedirectTo, user.domain)', true],
    ['any where endsWith(?o365.audit.Parameters.RedirectTo, user.domain)', false],
    ['any where o365.audit.SearchQueryText != ""', false],
    [
      'any where o365.audit.Count == 3 and (event.outcome == "failure" or event.provider == "Exchange")',
      true,
    ],
    [
      'any where /* a comment */ event.provider == "Exchange" // and another\n and event.outcome == "success"',
      true,
    ],
  ])('%s -> %s', (query, expected) => {
    expect(matches(query)).toBe(expected);
  });

  it.each([
    'web event.action == "x"',
    'any where event.action == ',
    'any where length(event.action) == 3',
    'any where a == "\\q"',
  ])('refuses %p instead of guessing', (query) => {
    expect(() => parseEql(query)).toThrow(EqlSyntaxError);
  });
});
