import { authIdMatches } from '../../shared/notifications/authId';

describe('Webhook-AuthID check', () => {
  it('accepts the configured value', () => {
    expect(authIdMatches('shared-value', 'shared-value')).toBe(true);
  });

  it('refuses a missing header', () => {
    expect(authIdMatches(null, 'shared-value')).toBe(false);
    expect(authIdMatches(undefined, 'shared-value')).toBe(false);
  });

  it('refuses a value that differs in one character, in case or in length', () => {
    expect(authIdMatches('shared-valuE', 'shared-value')).toBe(false);
    expect(authIdMatches('SHARED-VALUE', 'shared-value')).toBe(false);
    expect(authIdMatches('shared-value-and-more', 'shared-value')).toBe(false);
    expect(authIdMatches('', 'shared-value')).toBe(false);
  });
});
