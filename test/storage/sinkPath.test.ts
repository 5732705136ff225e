import { createHash } from 'node:crypto';
import { contentIdTime, sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import { ContentBlobRef } from '../../shared/sinks/sink';

const TENANT = '11111111-2222-3333-4444-555555555555';
// The shape seen in the wild: two yyyyMMddHHmmssfff… runs, the later one the blob's creation.
const WILD_ID = '20240501083211071144651$20240501100859181143288$audit_sharepoint$Audit_SharePoint$na0036';
// The shape of the reference's sample: the hour at the end of the third part.
const SAMPLE_ID =
  '492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04';

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 32);

function ref(contentId: string): ContentBlobRef {
  return { tenantId: TENANT, contentType: 'Audit.SharePoint', contentId };
}

describe('sinkPathFor', () => {
  it('files a blob under the latest time its contentId carries, in UTC', () => {
    expect(sinkPathFor(ref(WILD_ID))).toBe(
      `${TENANT}/Audit.SharePoint/2024/05/01/10/${hashOf(WILD_ID)}.ndjson`,
    );
  });

  it("files a blob whose contentId carries only an hour (the reference's sample) under that hour", () => {
    expect(sinkPathFor(ref(SAMPLE_ID))).toBe(
      `${TENANT}/Audit.SharePoint/2015/04/30/22/${hashOf(SAMPLE_ID)}.ndjson`,
    );
  });

  it('gives a webhook message without contentCreated and a backfill message with it the same path', () => {
    // Both messages name the same blob; only the contentId may decide where its events go.
    const fromWebhook = { ...ref(WILD_ID) };
    const fromBackfill = { ...ref(WILD_ID), contentCreated: '2024-05-01T10:08:59.181Z' } as ContentBlobRef;
    expect(sinkPathFor(fromBackfill)).toBe(sinkPathFor(fromWebhook));
  });

  it.each([
    ['opaque-id-without-digits'],
    ['20241301083211071$20241301083211071$audit_general$Audit_General$eu01'],
    ['20230229120000000$x$y'],
    ['19990101000000000$19990101000000000$audit_general'],
    ['1714557600$1714557600$abc'],
    [''],
  ])('files a blob whose contentId %p has no usable time as undated, on one stable path', (id) => {
    expect(sinkPathFor(ref(id))).toBe(`${TENANT}/Audit.SharePoint/undated/${hashOf(id)}.ndjson`);
    expect(sinkPathFor(ref(id))).toBe(sinkPathFor(ref(id)));
  });

  it('gives different paths to different blobs and content types', () => {
    const a = sinkPathFor(ref(WILD_ID));
    expect(sinkPathFor({ ...ref(WILD_ID), contentId: `${WILD_ID}x` })).not.toBe(a);
    expect(sinkPathFor({ ...ref(WILD_ID), contentType: 'Audit.Exchange' })).not.toBe(a);
  });

  it('cannot be steered outside the tenant folder by a tenantId with slashes', () => {
    const path = sinkPathFor({ ...ref(WILD_ID), tenantId: '../other' });
    expect(path.split('/')[0]).toBe('..%2Fother');
  });
});

describe('contentIdTime', () => {
  it('reads the digit runs as UTC, whatever the host time zone', () => {
    expect(contentIdTime(WILD_ID)?.toISOString()).toBe('2024-05-01T10:08:59.000Z');
  });
  it('refuses days the month does not have, and takes leap days', () => {
    expect(contentIdTime('20230229000000000$a')).toBeUndefined();
    expect(contentIdTime('20240229235959000$a')?.toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });
  it('prefers a full time to an hour, whatever their order', () => {
    expect(contentIdTime('spo2015043022$20150430221510000')?.toISOString()).toBe('2015-04-30T22:15:10.000Z');
  });
});
