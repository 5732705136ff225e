/**
 * Regression guard: no pattern the normalizer runs over a record field may be super-linear. Each
 * record below carries 40,000-character values shaped to make a backtracking pattern explode
 * (`user@domain`, attachment lists, quoted values, admin-change names). Linear code normalizes
 * them all in milliseconds; a quadratic pattern takes seconds per field, and the test times out.
 */
import { normalizeRecord } from '../../shared/normalize';
import { serializeEvent } from '../../shared/normalize/serialize';

const N = 40_000;

const HOSTILE: Record<string, string> = {
  'dotted address tail': `a@${'.'.repeat(N)} `,
  'blank run': `x${' '.repeat(N)}y`,
  'blank run before a bracket': `[${' '.repeat(N)}"a`,
  'open size suffix': `a (${'1'.repeat(N)}b`,
  'repeated owner': 'owner'.repeat(N / 5),
  'repeated added': 'added'.repeat(N / 5),
  'sid-like': `S-1-${'1-'.repeat(N / 2)}x`,
  'many at signs': '@a'.repeat(N / 2),
  'client info': `Client=OWA;${'Mozilla/'.repeat(N / 8)}\n`,
};

/**
 * Records that reach every workload mapper (their operations are real ones, so each path is
 * taken), with every field those paths read set to the hostile value, some of them several times.
 */
function recordsWith(value: string): Record<string, unknown>[] {
  const common = {
    Id: 'hostile-1',
    CreationTime: value,
    OrganizationId: value,
    UserId: value,
    ClientIP: value,
    ObjectId: value,
    ResultStatus: value,
    UserAgent: value,
  };
  const list = `${value}; ${value}; ${value}; ${value} (12b)`;
  return [
    { ...common, Operation: value, RecordType: 4 },
    {
      ...common,
      RecordType: 15,
      Operation: 'UserLoggedIn',
      ErrorCode: value,
      LogonError: value,
      Actor: [
        { ID: value, Type: 5 },
        { ID: value, Type: 5 },
      ],
    },
    {
      ...common,
      RecordType: 8,
      Operation: 'Add member to group.',
      Target: [{ ID: value, Type: 5 }],
      ModifiedProperties: [
        { Name: 'Group.DisplayName', NewValue: value, OldValue: value },
        { Name: 'Group.ObjectID', NewValue: value, OldValue: value },
        { Name: value, NewValue: value },
      ],
    },
    {
      ...common,
      RecordType: 2,
      Operation: 'Create',
      LogonType: 0,
      MailboxOwnerUPN: value,
      LogonUserDisplayName: value,
      ClientInfoString: value,
      OriginatingServer: value,
      Item: { Subject: value, Attachments: list, ParentFolder: { Path: value } },
      AffectedItems: [{ Attachments: list }],
    },
    {
      ...common,
      RecordType: 1,
      Operation: 'Add-MailboxPermission',
      Parameters: [{ Name: 'Identity', Value: value }],
    },
    {
      ...common,
      RecordType: 14,
      Operation: value,
      SourceFileName: value,
      SourceFileExtension: value,
      SiteUrl: value,
      TargetUserOrGroupName: value,
    },
    {
      ...common,
      RecordType: 25,
      Operation: 'MemberAdded',
      TeamName: value,
      Members: [{ UPN: value }, { UPN: value }],
    },
    {
      ...common,
      RecordType: 11,
      Operation: 'DLPRuleMatch',
      UserId: 'DLPAgent',
      SharePointMetaData: { From: value, FileName: value, FilePathUrl: value, FileOwner: value },
      PolicyDetails: [{ PolicyName: value, Rules: [{ RuleName: value, Actions: [value] }] }],
    },
    {
      ...common,
      RecordType: 13,
      Operation: 'DLPRuleMatch',
      UserId: 'DLPAgent',
      ExchangeMetaData: { From: value, To: [value], Subject: value },
    },
    {
      ...common,
      RecordType: 40,
      Operation: 'AlertTriggered',
      Category: value,
      EntityType: 'User',
      AlertEntityId: value,
      Data: JSON.stringify({ suid: value, f3u: value }),
    },
  ];
}

/** Lets a due jest timeout fire between records: a synchronous test cannot be timed out. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('hostile field values', () => {
  it.each(Object.keys(HOSTILE))(
    'normalizes records whose fields are 40,000-character %s values in linear time',
    async (shape) => {
      for (const record of recordsWith(HOSTILE[shape])) {
        await nextTurn();
        const result = normalizeRecord(record);
        expect(result.ok).toBe(true);
        if (result.ok) expect(serializeEvent(result.event)).not.toMatch(/[\r\n]/);
      }
    },
    // A regression guard, not a speed target: linear code needs well under 100 ms here, the
    // quadratic patterns this replaced took several seconds.
    1000,
  );
});
