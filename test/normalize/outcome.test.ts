import { normalizeRecord } from '../../shared/normalize';
import { recordOutcome } from '../../shared/normalize/outcome';

function outcomeOf(record: Record<string, unknown>): string {
  const result = normalizeRecord({ Id: 'o-1', ...record });
  if (!result.ok) throw new Error(result.reason);
  return result.event.event.outcome;
}

describe('the outcome rule table', () => {
  it('calls an operation without ResultStatus a success: it happened', () => {
    expect(recordOutcome({ Operation: 'FileAccessed' }, 6)).toEqual({ outcome: 'success', rule: 'happened' });
    expect(outcomeOf({ RecordType: 6, Operation: 'FileAccessed', Workload: 'SharePoint' })).toBe('success');
    expect(outcomeOf({ RecordType: 1, Operation: 'New-TransportRule', Workload: 'Exchange' })).toBe(
      'success',
    );
  });

  it('calls a UserLoginFailed with neither ErrorCode nor LogonError a failure, whatever ResultStatus says', () => {
    const record = {
      RecordType: 15,
      Operation: 'UserLoginFailed',
      Workload: 'AzureActiveDirectory',
      ResultStatus: 'Succeeded',
    };
    expect(recordOutcome(record, 15)).toEqual({ outcome: 'failure', rule: 'failedOperation' });
    expect(outcomeOf(record)).toBe('failure');
    expect(outcomeOf({ ...record, ResultStatus: undefined })).toBe('failure');
  });

  it('calls any other "...Failed" operation a failure', () => {
    expect(outcomeOf({ RecordType: 6, Operation: 'FileSyncUploadFailed', ResultStatus: 'Succeeded' })).toBe(
      'failure',
    );
  });

  it('reads a non-zero ErrorCode as a failure with the AADSTS number, and LogonError as the reason', () => {
    const decision = recordOutcome(
      {
        Operation: 'UserLoggedIn',
        ResultStatus: 'Succeeded',
        ErrorCode: 'AADSTS50126',
        LogonError: 'InvalidPassword',
      },
      15,
    );
    expect(decision).toEqual({
      outcome: 'failure',
      rule: 'errorField',
      errorCode: '50126',
      reason: 'InvalidPassword',
    });
    expect(recordOutcome({ Operation: 'UserLoggedIn', LogonError: 'UserAccountLocked' }, 15)).toMatchObject({
      outcome: 'failure',
      reason: 'UserAccountLocked',
    });
  });

  it('takes ErrorCode 0 as the sign-in success it is, over a ResultStatus of Failed', () => {
    expect(recordOutcome({ Operation: 'UserLoggedIn', ResultStatus: 'Failed', ErrorCode: 0 }, 15)).toEqual({
      outcome: 'success',
      rule: 'successCode',
    });
    // Texts seen on successful sign-ins are not errors.
    expect(outcomeOf({ RecordType: 15, Operation: 'UserLoggedIn', ErrorCode: '0', LogonError: 'None' })).toBe(
      'success',
    );
  });

  it('reads a legacy account logon from LoginStatus, and only there', () => {
    expect(
      recordOutcome({ Operation: 'UserLoggedIn', LoginStatus: 0, ResultStatus: 'Failed' }, 9).outcome,
    ).toBe('success');
    expect(recordOutcome({ Operation: 'UserLoggedIn', LoginStatus: -2147217390 }, 9)).toMatchObject({
      outcome: 'failure',
      errorCode: '-2147217390',
    });
    expect(recordOutcome({ Operation: 'Set-Mailbox', LoginStatus: 5 }, 1).outcome).toBe('success');
  });

  it('counts every DLP detection as a success, blocked or not', () => {
    for (const Operation of ['DLPRuleMatch', 'DlpRuleUndo', 'DlpInfo']) {
      expect(recordOutcome({ Operation, ResultStatus: 'Failed' }, 11)).toEqual({
        outcome: 'success',
        rule: 'dlpDetection',
      });
    }
  });

  it('says unknown only for a ResultStatus it cannot read', () => {
    expect(recordOutcome({ Operation: 'X', ResultStatus: 'Pending' }, 4)).toEqual({
      outcome: 'unknown',
      rule: 'unrecognizedResultStatus',
    });
    expect(recordOutcome({ Operation: 'X', ResultStatus: 'False' }, 1)).toEqual({
      outcome: 'failure',
      rule: 'resultStatus',
    });
  });
});
