import {
  formatWindowTime,
  nextPageLink,
  shiftWindowForSkew,
  withPublisherIdentifier,
} from '../../shared/managementApi';
import { feedUrl } from '../../shared/managementApi/requestUrls';

const publisher = '46b472a7-c68e-4adf-8ade-3db49497518e';

describe('request URLs', () => {
  it('builds operation URLs under the tenant feed with PublisherIdentifier', () => {
    const url = feedUrl(
      { tenantId: 'f28ab78a-d401-4060-8012-736e373933eb', apiBaseUrl: 'https://manage.office.com/' },
      'subscriptions/content',
      { contentType: 'Audit.SharePoint', startTime: '2026-03-01T00:00:00' },
      publisher,
    );
    expect(url).toBe(
      'https://manage.office.com/api/v1.0/f28ab78a-d401-4060-8012-736e373933eb/activity/feed/subscriptions/content' +
        `?contentType=Audit.SharePoint&startTime=2026-03-01T00%3A00%3A00&PublisherIdentifier=${publisher}`,
    );
  });

  it('appends PublisherIdentifier to a contentUri keeping its $ characters verbatim', () => {
    const uri = 'https://manage.office.com/api/v1.0/t/activity/feed/audit/4926$4926$f28ab$04';
    expect(withPublisherIdentifier(uri, publisher)).toBe(`${uri}?PublisherIdentifier=${publisher}`);
    expect(withPublisherIdentifier(`${uri}?a=b$c`, publisher)).toBe(
      `${uri}?a=b$c&PublisherIdentifier=${publisher}`,
    );
    expect(withPublisherIdentifier(`${uri}?`, publisher)).toBe(`${uri}?PublisherIdentifier=${publisher}`);
  });

  it('does not add PublisherIdentifier twice, whatever the case of the existing one', () => {
    for (const existing of [
      'PublisherIdentifier=x',
      'publisheridentifier=x',
      'a=1&publisherIdentifier=x',
      'PUBLISHERIDENTIFIER',
    ]) {
      const uri = `https://manage.office.com/api/v1.0/t/activity/feed/subscriptions/content?${existing}`;
      expect(withPublisherIdentifier(uri, publisher)).toBe(uri);
    }
    const lookalike = 'https://h/x?NotPublisherIdentifier=1';
    expect(withPublisherIdentifier(lookalike, publisher)).toBe(
      `${lookalike}&PublisherIdentifier=${publisher}`,
    );
  });

  it('formats window times to the second, as the API accepts', () => {
    expect(formatWindowTime(new Date('2026-03-01T05:06:07.890Z'))).toBe('2026-03-01T05:06:07');
  });

  it('reads the next page from NextPageUri or NextPageUrl, in any case', () => {
    expect(nextPageLink(new Headers({ NextPageUri: 'https://a/1' }))).toBe('https://a/1');
    expect(nextPageLink(new Headers({ nextpageurl: 'https://a/2' }))).toBe('https://a/2');
    expect(nextPageLink(new Headers({ NextPageUri: '  ' }))).toBeUndefined();
    expect(nextPageLink(new Headers({}))).toBeUndefined();
  });
});

describe('clock-skew window correction', () => {
  const hour = 3_600_000;
  const day = 24 * hour;
  const serverNow = new Date('2026-03-10T00:00:00Z');

  it('moves the window by the skew', () => {
    const window = {
      startTime: new Date(serverNow.getTime() - 2 * day),
      endTime: new Date(serverNow.getTime() - day),
    };
    const shifted = shiftWindowForSkew(window, 2 * hour, serverNow);
    expect(shifted?.startTime.getTime()).toBe(window.startTime.getTime() + 2 * hour);
    expect(shifted?.endTime.getTime()).toBe(window.endTime.getTime() + 2 * hour);
  });

  it('clamps the start inside the server’s 7 days', () => {
    const window = {
      startTime: new Date(serverNow.getTime() - 8 * day),
      endTime: new Date(serverNow.getTime() - 7 * day + 6 * hour),
    };
    const shifted = shiftWindowForSkew(window, -hour, serverNow);
    expect(shifted).toBeDefined();
    expect(shifted!.startTime.getTime()).toBeGreaterThan(serverNow.getTime() - 7 * day);
    expect(shifted!.endTime.getTime()).toBe(window.endTime.getTime() - hour);
  });

  it('gives up when nothing of the window is left inside the 7 days', () => {
    const window = {
      startTime: new Date(serverNow.getTime() - 9 * day),
      endTime: new Date(serverNow.getTime() - 8 * day),
    };
    expect(shiftWindowForSkew(window, hour, serverNow)).toBeUndefined();
  });
});
