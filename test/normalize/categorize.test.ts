import { verbOf } from '../../shared/normalize/categorize';

describe('verbOf', () => {
  it.each([
    ['FileDeletedFirstStageRecycleBin', 'deletion'],
    ['FolderCreated', 'creation'],
    ['Set-Mailbox', 'change'],
    ['FileDownloaded', 'access'],
    ['TeamsSessionStarted', 'info'],
  ])('classifies %s as %s', (operation, verb) => {
    expect(verbOf(operation)).toBe(verb);
  });

  it('keeps answering correctly after more distinct names than its memory holds', () => {
    for (let i = 0; i < 5000; i++) expect(verbOf(`CustomOperation${i}Deleted`)).toBe('deletion');
    expect(verbOf('FileUploaded')).toBe('creation');
    expect(verbOf('FileUploaded')).toBe('creation');
  });
});
