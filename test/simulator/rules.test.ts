import { parseApiDateTime, resolveContentWindow } from '../../local/simulator/contentWindow';
import { isWellFormedContentId, newContentId } from '../../local/simulator/contentIds';
import { PageTokens } from '../../local/simulator/pageTokens';
import { parseStartBody, startChangesSomething, webhookFrom } from '../../local/simulator/subscriptionRules';

describe('simulator rules (pure)', () => {
  const now = new Date('2025-03-10T12:00:00Z');

  it('parses the documented datetime formats as UTC and rejects impossible dates', () => {
    expect(parseApiDateTime('2025-03-10')).toBe(Date.UTC(2025, 2, 10));
    expect(parseApiDateTime('2025-03-10T05:06')).toBe(Date.UTC(2025, 2, 10, 5, 6));
    expect(parseApiDateTime('2025-03-10T05:06:07')).toBe(Date.UTC(2025, 2, 10, 5, 6, 7));
    expect(parseApiDateTime('2025-03-10T05:06:07.250Z')).toBe(Date.UTC(2025, 2, 10, 5, 6, 7, 250));
    expect(parseApiDateTime('2025-02-29')).toBeUndefined();
    expect(parseApiDateTime('2025-03-10T24:00')).toBeUndefined();
    expect(parseApiDateTime('10/03/2025')).toBeUndefined();
  });

  it('resolves no window to the last 24 hours and a one-sided one to AF20030', () => {
    expect(resolveContentWindow(null, null, now)).toEqual({
      ok: true,
      window: { startMs: now.getTime() - 86_400_000, endMs: now.getTime() },
    });
    const oneSided = resolveContentWindow('2025-03-10', null, now);
    expect(oneSided.ok).toBe(false);
    if (!oneSided.ok) expect(oneSided.error.code).toBe('AF20030');
  });

  it('makes content ids shaped like the docs sample that it also accepts as well-formed', () => {
    const id = newContentId(
      'F28AB78A-D401-4060-8012-736E373933EB',
      'Audit.SharePoint',
      new Date('2015-04-30T22:10:00Z'),
      4,
    );
    expect(id).toMatch(/^\d{12}\$\d{12}\$f28ab78ad40140608012736e373933ebspo2015043022\$[0-9a-f]{32}\$04$/);
    expect(isWellFormedContentId(id)).toBe(true);
    expect(
      isWellFormedContentId(
        '492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04',
      ),
    ).toBe(true);
    expect(isWellFormedContentId('../../etc/passwd')).toBe(false);
    expect(isWellFormedContentId('')).toBe(false);
  });

  it('reads back only its own page tokens for the same listing', () => {
    const tokens = new PageTokens();
    const t = tokens.issue('scope-a', 200);
    expect(tokens.read('scope-a', t)).toBe(200);
    expect(tokens.read('scope-b', t)).toBeUndefined();
    expect(tokens.read('scope-a', t.replace(/^\d/, '9'))).toBeUndefined();
    expect(new PageTokens().read('scope-a', t)).toBeUndefined();
  });

  it('reads a start body: none, a webhook, and the bad cases', () => {
    expect(parseStartBody('', now)).toEqual({ ok: true, webhook: null });
    expect(parseStartBody('{"webhook":{"address":"https://x/","authId":"a","expiration":""}}', now)).toEqual({
      ok: true,
      webhook: { address: 'https://x/', authId: 'a', expiration: null },
    });
    const codes = [
      '[1]',
      '{"webhook":"x"}',
      '{"webhook":{}}',
      '{"webhook":{"address":"https://x","expiration":"soon"}}',
    ].map((body) => {
      const parsed = parseStartBody(body, now);
      return parsed.ok ? 'ok' : parsed.error.code;
    });
    expect(codes).toEqual(['AF20002', 'AF20002', 'AF20001', 'AF20002']);
  });

  it('decides whether a start changes anything', () => {
    const requested = { address: 'https://x/', authId: 'a', expiration: null };
    const enabled = {
      contentType: 'Audit.General' as const,
      status: 'enabled' as const,
      disabledByAdmin: false,
      webhook: webhookFrom(requested),
    };
    expect(startChangesSomething(undefined, null)).toBe(true);
    expect(startChangesSomething(enabled, requested)).toBe(false);
    expect(startChangesSomething(enabled, { ...requested, authId: 'b' })).toBe(true);
    expect(startChangesSomething(enabled, null)).toBe(true);
    expect(startChangesSomething({ ...enabled, webhook: null }, null)).toBe(false);
    expect(
      startChangesSomething({ ...enabled, webhook: { ...enabled.webhook, status: 'disabled' } }, requested),
    ).toBe(true);
    expect(startChangesSomething({ ...enabled, status: 'disabled' }, requested)).toBe(true);
  });
});
