import type { AppConfig, TenantConfig } from '../../shared/config/settings';
import {
  MAX_REASON_CHARS,
  NotificationRules,
  validateNotification,
} from '../../shared/notifications/validateNotification';
import {
  checkContentUri,
  contentUriFor,
  notificationItem,
  OTHER_TENANT_ID,
  TENANT_ID,
  testConfig,
} from './tenantFixture';

const NOW = new Date('2024-05-01T10:05:00.000Z');

function rulesFor(config: AppConfig): NotificationRules {
  return {
    tenants: new Map<string, TenantConfig>(config.tenants.map((t) => [t.tenantId, t])),
    contentTypes: config.contentTypes,
    checkContentUri,
    now: () => NOW,
  };
}

const config = testConfig();
const rules = rulesFor(config);

function refusal(item: unknown, r: NotificationRules = rules): string {
  const verdict = validateNotification(item, r);
  if (verdict.ok) throw new Error(`expected a refusal, got ${JSON.stringify(verdict.message)}`);
  return verdict.reason;
}

describe('validateNotification', () => {
  it('turns a well-formed notification into a queue message for that tenant', () => {
    const item = notificationItem(config);
    const verdict = validateNotification(item, rules);
    expect(verdict).toEqual({
      ok: true,
      message: {
        tenantId: TENANT_ID,
        clientId: config.tenants[0].clientId,
        contentType: 'Audit.SharePoint',
        contentId: item.contentId,
        contentUri: item.contentUri,
        contentCreated: '2024-05-01T10:00:00.000Z',
        contentExpiration: '2024-05-08T10:00:00.000Z',
        source: 'webhook',
        enqueuedAt: NOW.toISOString(),
      },
    });
  });

  it('matches tenant and client ids whatever their case', () => {
    const item = notificationItem(config, {
      tenantId: TENANT_ID.toUpperCase(),
      clientId: config.tenants[0].clientId.toUpperCase(),
    });
    const verdict = validateNotification(item, rules);
    expect(verdict.ok && verdict.message.tenantId).toBe(TENANT_ID);
  });

  it('accepts a notification for the second configured tenant on its own feed', () => {
    const verdict = validateNotification(notificationItem(config, {}, 1), rules);
    expect(verdict.ok && verdict.message.tenantId).toBe(OTHER_TENANT_ID);
  });

  it('rejects an item that is not a JSON object', () => {
    for (const item of [null, 'text', 42, [notificationItem(config)]]) {
      expect(refusal(item)).toBe('notification is not a JSON object');
    }
  });

  it('rejects a notification without tenantId', () => {
    expect(refusal(notificationItem(config, { tenantId: undefined }))).toBe('tenantId is missing');
    expect(refusal(notificationItem(config, { tenantId: '  ' }))).toBe('tenantId is missing');
  });

  it('rejects a notification for a tenant that is not configured, keeping ids for the log', () => {
    const stranger = '99999999-9999-4999-8999-999999999999';
    const verdict = validateNotification(notificationItem(config, { tenantId: stranger }), rules);
    expect(verdict).toMatchObject({
      ok: false,
      reason: `tenantId ${stranger} is not a configured tenant`,
      tenantId: stranger,
      contentId: expect.any(String),
    });
  });

  it("rejects a notification for a tenant the registry disabled or removed, with the registry's reason", () => {
    const reason = `tenant ${TENANT_ID} is disabled in the tenant registry`;
    const withoutIt: NotificationRules = {
      ...rules,
      tenants: new Map(config.tenants.filter((t) => t.tenantId !== TENANT_ID).map((t) => [t.tenantId, t])),
      refusedTenants: new Map([[TENANT_ID, reason]]),
    };
    expect(validateNotification(notificationItem(config), withoutIt)).toMatchObject({
      ok: false,
      reason,
      tenantId: TENANT_ID,
    });
  });

  it('rejects a notification without clientId', () => {
    expect(refusal(notificationItem(config, { clientId: undefined }))).toBe('clientId is missing');
  });

  it("rejects a notification whose clientId is another tenant's app", () => {
    const reason = refusal(notificationItem(config, { clientId: config.tenants[1].clientId }));
    expect(reason).toBe(
      `clientId ${config.tenants[1].clientId} is not the app configured for tenant ${TENANT_ID}`,
    );
  });

  it('rejects an unknown content type', () => {
    expect(refusal(notificationItem(config, { contentType: 'Audit.Everything' }))).toBe(
      'contentType "Audit.Everything" is not a known content type',
    );
    expect(refusal(notificationItem(config, { contentType: undefined }))).toMatch(/not a known content type/);
  });

  it('rejects a content type this receiver does not subscribe to', () => {
    const narrow = rulesFor(testConfig({ O365_CONTENT_TYPES: 'Audit.Exchange' }));
    expect(refusal(notificationItem(config), narrow)).toBe(
      'contentType Audit.SharePoint is not subscribed by this receiver',
    );
  });

  it('rejects a notification without contentId', () => {
    expect(refusal(notificationItem(config, { contentId: '' }))).toBe('contentId is missing');
  });

  it('rejects a notification without contentUri', () => {
    expect(refusal(notificationItem(config, { contentUri: undefined }))).toBe('contentUri is missing');
    expect(refusal(notificationItem(config, { contentUri: 17 }))).toBe('contentUri is missing');
  });

  const feed = `https://manage.office.com/api/v1.0/${TENANT_ID}/activity/feed/audit`;
  it.each([
    ['is not https', `http://manage.office.com/api/v1.0/${TENANT_ID}/activity/feed/audit/x`, /scheme http:/],
    [
      'points outside the tenant API host',
      `https://evil.example/api/v1.0/${TENANT_ID}/activity/feed/audit/x`,
      /not the tenant's API host/,
    ],
    [
      'points at the API host of another cloud',
      `https://manage.office365.us/api/v1.0/${TENANT_ID}/activity/feed/audit/x`,
      /not the tenant's API host/,
    ],
    [
      'names another tenant in its path',
      `https://manage.office.com/api/v1.0/${OTHER_TENANT_ID}/activity/feed/audit/x`,
      /names tenant/,
    ],
    [
      'carries credentials',
      `https://user:pw@manage.office.com/api/v1.0/${TENANT_ID}/activity/feed/audit/x`,
      /credentials/,
    ],
    ['uses dot segments', `${feed}/../../subscriptions/list`, /dot segments/],
    [
      'leaves the content feed',
      `https://manage.office.com/api/v1.0/${TENANT_ID}/activity/feed/subscriptions/list`,
      /path is not/,
    ],
    ['has a fragment', `${feed}/x#part`, /fragment/],
    ['is not a URL', 'not a url at all', /not an absolute URL/],
  ])('rejects a notification whose contentUri %s', (_why, contentUri, expected) => {
    const reason = refusal(notificationItem(config, { contentUri }));
    expect(reason).toMatch(/^contentUri refused: /);
    expect(reason).toMatch(expected);
  });

  it('rejects a notification whose contentId is not the blob its contentUri names', () => {
    const item = notificationItem(config, { contentId: '20240501$other$01' });
    item.contentUri = contentUriFor(config.tenants[0], '20240501$blob$01');
    expect(refusal(item)).toBe('contentUri refused: contentId is not the last path segment of contentUri');
  });

  it('accepts a contentUri whose $ signs arrive percent-encoded', () => {
    const item = notificationItem(config);
    item.contentUri = (item.contentUri as string).replace(/\$/g, '%24');
    expect(validateNotification(item, rules).ok).toBe(true);
  });

  it('rejects a contentUri with a query string, even one the client would add itself', () => {
    const item = notificationItem(config);
    item.contentUri = `${item.contentUri as string}?PublisherIdentifier=${TENANT_ID}`;
    expect(refusal(item)).toMatch(/^contentUri refused: a query string is not allowed/);
  });

  describe('on hostile values', () => {
    const deeply = (depth: number, leaf: unknown = 'x'): unknown => {
      let value = leaf;
      for (let i = 0; i < depth; i++) value = i % 2 ? { v: value } : [value];
      return value;
    };

    it.each(['tenantId', 'clientId', 'contentType', 'contentId', 'contentUri', 'contentCreated'])(
      'refuses a %s nested 100,000 deep with a short reason instead of throwing',
      (field) => {
        const item = notificationItem(config, { [field]: deeply(100_000) });
        let verdict: ReturnType<typeof validateNotification> | undefined;
        expect(() => (verdict = validateNotification(item, rules))).not.toThrow();
        if (field === 'contentCreated') {
          expect(verdict?.ok).toBe(true);
          return;
        }
        expect(verdict?.ok).toBe(false);
        if (verdict && !verdict.ok) expect(verdict.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 40);
      },
    );

    it('refuses a whole notification nested deep inside an array item without throwing', () => {
      expect(refusal(deeply(100_001, notificationItem(config)))).toBe('notification is not a JSON object');
    });

    it("cuts reasons and logged ids that carry a megabyte of the sender's text", () => {
      const huge = 'y'.repeat(1_000_000);
      for (const overrides of [
        { tenantId: huge },
        { contentType: huge },
        { contentUri: `https://${huge}` },
      ]) {
        const verdict = validateNotification(
          notificationItem(config, { ...overrides, contentId: huge }),
          rules,
        );
        expect(verdict.ok).toBe(false);
        if (verdict.ok) continue;
        expect(verdict.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 40);
        expect(verdict.contentId!.length).toBeLessThan(300);
        expect((verdict.tenantId ?? '').length).toBeLessThan(300);
      }
    });
  });
});
