import { createHash } from 'node:crypto';
import { parseContentCreated, sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import { ContentBlobRef } from '../../shared/sinks/sink';

const TENANT = '11111111-2222-3333-4444-555555555555';
const ID = '20240501100000123$20240501100000123$audit_sharepoint$Audit_SharePoint$emea0001';
const HASH = createHash('sha256').update(ID).digest('hex').slice(0, 32);

function ref(contentCreated?: string): ContentBlobRef {
  return { tenantId: TENANT, contentType: 'Audit.SharePoint', contentId: ID, contentCreated };
}

describe('sinkPathFor', () => {
  it.each([
    ['2024-05-01T10:59:59.999Z', '2024/05/01/10'],
    ['2024-05-01T10:00:00Z', '2024/05/01/10'],
    ['2024-12-31T23:30:00.000Z', '2024/12/31/23'],
    // Zoneless times are the API's UTC, not the host's local time.
    ['2024-05-01T10:15:00', '2024/05/01/10'],
    ['2024-05-01T10:15:00.1234567', '2024/05/01/10'],
    // An explicit offset is converted to UTC (and may change the day).
    ['2024-05-01T01:00:00+02:00', '2024/04/30/23'],
    ['2024-05-01T22:00:00-0300', '2024/05/02/01'],
    ['2024-05-01', '2024/05/01/00'],
  ])('files a blob created %s under %s', (created, folder) => {
    expect(sinkPathFor(ref(created))).toBe(`${TENANT}/Audit.SharePoint/${folder}/${HASH}.ndjson`);
  });

  it.each([
    [undefined],
    [''],
    ['yesterday'],
    ['2024-02-30T10:00:00Z'],
    ['2024-13-01T00:00:00Z'],
    ['1714557600'],
  ])('files a blob with unusable contentCreated %p as undated', (created) => {
    expect(sinkPathFor(ref(created))).toBe(`${TENANT}/Audit.SharePoint/undated/${HASH}.ndjson`);
  });

  it('gives the same path for the same blob and different paths for different blobs', () => {
    const a = sinkPathFor(ref('2024-05-01T10:00:00Z'));
    expect(sinkPathFor(ref('2024-05-01T10:00:00Z'))).toBe(a);
    expect(sinkPathFor({ ...ref('2024-05-01T10:00:00Z'), contentId: `${ID}x` })).not.toBe(a);
    expect(sinkPathFor({ ...ref('2024-05-01T10:00:00Z'), contentType: 'Audit.Exchange' })).not.toBe(a);
  });

  it('cannot be steered outside the tenant folder by a tenantId with slashes', () => {
    const path = sinkPathFor({ ...ref('2024-05-01T10:00:00Z'), tenantId: '../other' });
    expect(path.split('/')[0]).toBe('..%2Fother');
  });
});

describe('parseContentCreated', () => {
  it('reads zoneless times as UTC', () => {
    expect(parseContentCreated('2024-05-01T10:15:00')?.toISOString()).toBe('2024-05-01T10:15:00.000Z');
  });
  it('refuses days the month does not have', () => {
    expect(parseContentCreated('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseContentCreated('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});
