/**
 * The rules infra/ must keep, as pure checks over Bicep text: they return what is wrong, so a test
 * can show each rule catching a bad fixture before trusting its silence on the real files.
 */
import { resources, scanBicep, type ResourceDeclaration } from './bicepText';

export interface Violation {
  file: string;
  line: number;
  rule: string;
  text: string;
}

// Shared-key access in any form: account keys, key-bearing connection strings, SAS from keys.
const KEY_PATTERNS: { rule: string; pattern: RegExp }[] = [
  { rule: 'listKeys', pattern: /listKeys\s*\(/i },
  { rule: 'listAccountSas', pattern: /listAccountSas\s*\(|listServiceSas\s*\(/i },
  { rule: 'AccountKey=', pattern: /AccountKey\s*=/i },
  { rule: 'SharedAccessKey', pattern: /SharedAccessKey\s*=/i },
  { rule: 'allowSharedKeyAccess: true', pattern: /allowSharedKeyAccess\s*:\s*true/i },
  { rule: 'UseDevelopmentStorage', pattern: /UseDevelopmentStorage/i },
];

/** Lines (comments excluded) that use storage account keys or key-bearing connection strings. */
export function keyUsages(file: string, source: string): Violation[] {
  const { code } = scanBicep(source);
  const out: Violation[] = [];
  code.split('\n').forEach((text, index) => {
    for (const { rule, pattern } of KEY_PATTERNS) {
      if (pattern.test(text)) out.push({ file, line: index + 1, rule, text: text.trim() });
    }
  });
  return out;
}

/** Role assignments must name a scope and take a deterministic `guid(...)` name. */
export function roleAssignmentProblems(declarations: readonly ResourceDeclaration[]): string[] {
  const problems: string[] = [];
  for (const r of declarations) {
    if (r.type.toLowerCase() !== 'microsoft.authorization/roleassignments' || r.existing) continue;
    const name = r.entries.find((e) => e.key === 'name');
    const scope = r.entries.find((e) => e.key === 'scope');
    if (!name || !/^guid\(/.test(name.value)) {
      problems.push(`${r.file}: ${r.symbol} is not named with guid(...) (name: ${name?.value ?? 'missing'})`);
    }
    if (!scope || scope.value === '') problems.push(`${r.file}: ${r.symbol} has no scope`);
  }
  return problems;
}

export function roleAssignmentsOf(file: string, source: string): ResourceDeclaration[] {
  return resources(file, source).filter(
    (r) => r.type.toLowerCase() === 'microsoft.authorization/roleassignments' && !r.existing,
  );
}
