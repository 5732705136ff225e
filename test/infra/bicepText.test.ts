import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { params, resources, scanBicep, varObject, varStringArray } from './bicepText';
import { keyUsages, roleAssignmentProblems } from './infraRules';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'infra', name), 'utf8');

describe('Bicep text reader', () => {
  it('blanks comments and string contents without moving any offset', () => {
    const source = "var a = 'x{y}' // tail {\n/* {{ */ var b = 1\n";
    const { code, structure } = scanBicep(source);
    expect(code).toHaveLength(source.length);
    expect(structure).toHaveLength(source.length);
    expect(code).toContain("'x{y}'");
    expect(code).not.toContain('tail');
    expect(structure).not.toContain('{');
    expect(structure).toContain('var b = 1');
  });

  it('reads the top-level keys of an object whose values hold interpolations, nested objects and quoted keys', () => {
    const entries = varObject(fixture('tidy.bicep'), 'settings');
    expect(entries.map((e) => e.key)).toEqual(['GREETING', 'quoted-name', 'NESTED', 'LIST']);
    expect(entries[0].value).toBe("'${empty(principalId) ? '{none}' : principalId}'");
    expect(entries[2].value).toMatch(/^\{[\s\S]*INNER[\s\S]*\}$/);
  });

  it('reads string arrays on one line or many', () => {
    const source = "var one = ['a', 'b']\nvar many = [\n  'c' // not 'd'\n  'e'\n]\n";
    expect(varStringArray(source, 'one')).toEqual(['a', 'b']);
    expect(varStringArray(source, 'many')).toEqual(['c', 'e']);
  });

  it('names a missing variable instead of returning nothing', () => {
    expect(() => varObject('var other = {}\n', 'appSettings')).toThrow(/var appSettings/);
  });

  it('lists resources with their type, existing flag and looped body', () => {
    const found = resources('tidy.bicep', fixture('tidy.bicep'));
    expect(found.map((r) => [r.symbol, r.type, r.existing])).toEqual([
      ['account', 'Microsoft.Storage/storageAccounts', true],
      ['scoped', 'Microsoft.Authorization/roleAssignments', false],
    ]);
    expect(found[1].entries.map((e) => e.key)).toEqual(['name', 'scope', 'properties']);
  });

  it('tells parameters with a default from those without', () => {
    expect(params('param a string\nparam b int = 3\n@secure()\nparam c string[]\n')).toEqual([
      { name: 'a', type: 'string', hasDefault: false },
      { name: 'b', type: 'int', hasDefault: true },
      { name: 'c', type: 'string[]', hasDefault: false },
    ]);
  });
});

describe('infra rules on fixtures', () => {
  it('flags account keys, key connection strings and shared-key access in code', () => {
    const rules = keyUsages('leaky.bicep', fixture('leaky.bicep')).map((v) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['listKeys', 'AccountKey=', 'allowSharedKeyAccess: true']));
  });

  it('ignores key words that appear only in comments', () => {
    expect(keyUsages('tidy.bicep', fixture('tidy.bicep'))).toEqual([]);
  });

  it('flags a role assignment without scope or guid() name', () => {
    const problems = roleAssignmentProblems(resources('leaky.bicep', fixture('leaky.bicep')));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/unscoped is not named with guid/);
    expect(problems.join('\n')).toMatch(/unscoped has no scope/);
  });

  it('accepts a looped role assignment that is scoped and named with guid()', () => {
    expect(roleAssignmentProblems(resources('tidy.bicep', fixture('tidy.bicep')))).toEqual([]);
  });
});
