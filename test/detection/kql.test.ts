import { KqlSyntaxError, kqlMatches, parseKql } from './kql';

const doc = {
  event: { category: ['web', 'authentication'], action: 'UserLoggedIn', outcome: 'success', code: 'X' },
  user: { id: 'NT AUTHORITY\\SYSTEM (w3wp)', name: 'megan', email: 'megan@contoso.com' },
  user_agent: { original: 'Mozilla/5.0 WindowsPowerShell/5.1' },
  o365: {
    audit: {
      UserType: 0,
      Target: [
        { ID: 'a', Type: 0 },
        { ID: 'b', Type: 5 },
      ],
      OperationCount: 120,
      Parameters: { Enabled: 'False', DeleteMessage: true, Body: '\u0000' },
      'Dotted.Key': 'yes',
      Empty: null,
    },
  },
};

function matches(query: string): boolean {
  return kqlMatches(parseKql(query), doc);
}

describe('KQL subset', () => {
  it.each([
    ['event.action:UserLoggedIn', true],
    ['event.action:userloggedin', false],
    ['event.action:"UserLoggedIn"', true],
    ['event.category:web', true],
    ['event.category:(iam or authentication)', true],
    ['event.category:(iam or email)', false],
    ['event.category:(web and authentication)', true],
    ['event.category:(web and not authentication)', false],
    ['o365.audit.Target.Type:5', true],
    ['o365.audit.Target.Type:(1 or 2)', false],
    ['o365.audit.UserType:"0"', true],
    ['o365.audit.Parameters.Enabled:False', true],
    ['o365.audit.Parameters.DeleteMessage:True', false],
    ['o365.audit.Parameters.DeleteMessage:true', true],
    ['o365.audit.Parameters.Body:"\\u0000"', true],
    ['o365.audit.Dotted.Key:yes', true],
    ['user_agent.original:*PowerShell*', true],
    ['user_agent.original:*powershell*', false],
    ['user_agent.original:"*PowerShell*"', false],
    ['user_agent.original:(node or axios* or undici)', false],
    ['user.id:"NT AUTHORITY\\SYSTEM (w3wp)"', true],
    ['user.email:*', true],
    ['user.full_name:*', false],
    ['o365.audit.Empty:*', false],
    ['not user.full_name:*', true],
    ['o365.audit.OperationCount >= 100', true],
    ['o365.audit.OperationCount <= 100', false],
    ['o365.audit.OperationCount > 99 and event.outcome:success', true],
    ['event.action:X or event.outcome:success and event.code:Y', false],
    ['(event.action:X or event.outcome:success) and event.code:X', true],
    ['NOT event.action:X AND event.code:X', true],
    ['user.id:(* and not "Not Available")', true],
    ['o365.audit.Missing:(* and not x)', false],
  ])('%s -> %s', (query, expected) => {
    expect(matches(query)).toBe(expected);
  });

  it.each(['event.action', 'event.action:', '"free text"', 'a:(b or', 'a:b)', 'a:\\b'])(
    'refuses %p instead of guessing',
    (query) => {
      expect(() => parseKql(query)).toThrow(KqlSyntaxError);
    },
  );
});
