import { sharePointCategorization } from '../../shared/normalize/workloads/sharepoint';
import { eventFor } from './records';

const SP = 'sharepoint.json';

describe('SharePoint and OneDrive records', () => {
  it('maps a OneDrive upload to file creation with url, file name, extension, directory and site', () => {
    const e = eventFor(SP, 'dac93a9f-f2fb-4cac-d18f-08d7abecfbb6');
    expect(e.event).toMatchObject({
      provider: 'OneDrive',
      code: 'SharePointFileOperation',
      category: ['web', 'file'],
      type: ['creation'],
    });
    expect(e.url).toEqual({
      original:
        'https://testsiem-my.sharepoint.com/personal/asr_testsiem_onmicrosoft_com/Documents/Screenshot.png',
      domain: 'testsiem-my.sharepoint.com',
    });
    expect(e.file).toMatchObject({ name: 'Screenshot.png', extension: 'png', directory: 'Documents' });
    expect(e.o365.site).toEqual({
      url: 'https://testsiem-my.sharepoint.com/personal/asr_testsiem_onmicrosoft_com/',
      id: 'd5180cfc-3479-44d6-b410-8c985ac894e3',
    });
    expect(e.o365.item_type).toBe('File');
    expect(e.user_agent?.original).toContain('Firefox/72.0');
    // No ResultStatus: the upload happened.
    expect(e.event.outcome).toBe('success');
  });

  it('derives the extension from the file name when SourceFileExtension is missing', () => {
    const e = eventFor(SP, 'a0a0a0a0-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    expect(e.event.type).toEqual(['access']);
    expect(e.file?.extension).toBe('csv');
  });

  it('classifies deletions, modifications and folders, and names numeric ItemTypes', () => {
    expect(eventFor(SP, 'a1a1a1a1-bbbb-4ccc-8ddd-eeeeeeeeeeee').event.type).toEqual(['deletion']);
    const modified = eventFor(SP, 'a2a2a2a2-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    expect(modified.event.type).toEqual(['change']);
    expect(modified.source?.ip).toBe('2001:db8:abcd::12');
    const folder = eventFor(SP, 'a3a3a3a3-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    expect(folder.event.type).toEqual(['creation']);
    expect(folder.o365.item_type).toBe('Folder');
    expect(folder.file?.extension).toBeUndefined();
  });

  it('maps sharing with a guest to a file change targeting the guest', () => {
    const e = eventFor(SP, 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff');
    expect(e.event).toMatchObject({
      code: 'SharePointSharingOperation',
      category: ['web', 'file'],
      type: ['change'],
    });
    expect(e.user?.target).toMatchObject({ email: 'partner@fabrikam.example', domain: 'fabrikam.example' });
    expect(e.related?.user).toContain('partner@fabrikam.example');
    expect(e.user_agent).toBeUndefined();
  });

  it('maps adding to a SharePoint group to an iam group change naming the group', () => {
    const e = eventFor(SP, 'b1b1b1b1-cccc-4ddd-8eee-ffffffffffff');
    expect(e.event).toMatchObject({ category: ['web', 'iam'], type: ['group', 'change'] });
    expect(e.group).toEqual({ name: 'Finance Members' });
    expect(e.user?.target).toBeUndefined();
  });

  it('maps a page view to web access with the port from ClientIP', () => {
    const e = eventFor(SP, 'cccccccc-dddd-4eee-8fff-000000000000');
    expect(e.event).toMatchObject({ code: 'SharePoint', category: ['web'], type: ['access'] });
    expect(e.source).toMatchObject({ ip: '203.0.113.99', port: 443 });
    expect(e.file).toBeUndefined();
  });

  it('classifies other operations', () => {
    expect(sharePointCategorization('AnonymousLinkUsed')).toMatchObject({
      category: ['web', 'file'],
      type: ['access'],
    });
    expect(sharePointCategorization('SiteCollectionAdminAdded')).toMatchObject({
      category: ['web', 'iam'],
      type: ['admin', 'change'],
    });
    expect(sharePointCategorization('ListCreated')).toMatchObject({
      category: ['web', 'configuration'],
      type: ['creation'],
    });
    expect(sharePointCategorization('SearchQueryPerformed')).toMatchObject({
      category: ['web'],
      type: ['access'],
    });
    expect(sharePointCategorization('Whatever')).toMatchObject({ category: ['web'], type: ['info'] });
  });
});
