/**
 * Issue 10, done when: every single-event rule of Elastic's prebuilt Microsoft 365 rules (their
 * queries are in test/fixtures/detection-rules, with where they come from) fires on the event we
 * make from a Microsoft-schema record of the behaviour it targets (test/fixtures/records/
 * rule-targets.json). KQL query rules, single-event EQL rules and the query of new-terms rules
 * (a first-seen value on an empty history is new) are evaluated; the fixture says why the others
 * are skipped. The evaluators have their own tests (kql.test.ts, eql.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeRecord } from '../../shared/normalize';
import { serializeEvent } from '../../shared/normalize/serialize';
import { eqlMatches, parseEql } from './eql';
import { kqlMatches, parseKql } from './kql';

interface Rule {
  file: string;
  name: string;
  type: string;
  language: string;
  query: string;
  skip?: string;
}

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const { source, rules } = JSON.parse(
  readFileSync(path.join(FIXTURES, 'detection-rules', 'o365-rules.json'), 'utf8'),
) as { source: string; rules: Rule[] };
const records = JSON.parse(
  readFileSync(path.join(FIXTURES, 'records', 'rule-targets.json'), 'utf8'),
) as Record<string, unknown>[];

/** The record written for the behaviour each rule targets, by the rule's file name. */
const TARGET_RECORD: Record<string, string> = {
  'collection_exchange_excessive_mail_items_accessed.toml': '7e570001-0000-4000-8000-000000000001',
  'collection_exchange_mailbox_access_by_unusual_client_app_id.toml': '7e570002-0000-4000-8000-000000000002',
  'collection_exchange_new_inbox_rule.toml': '7e570003-0000-4000-8000-000000000003',
  'collection_sharepoint_file_download_via_powershell.toml': '7e570004-0000-4000-8000-000000000004',
  'defense_evasion_exchange_anti_phish_policy_deletion.toml': '7e570005-0000-4000-8000-000000000005',
  'defense_evasion_exchange_anti_phish_rule_modification.toml': '7e570006-0000-4000-8000-000000000006',
  'defense_evasion_exchange_dkim_signing_config_disabled.toml': '7e570007-0000-4000-8000-000000000007',
  'defense_evasion_exchange_dlp_policy_removed.toml': '7e570008-0000-4000-8000-000000000008',
  'defense_evasion_exchange_exchange_safelinks_disabled.toml': '7e570009-0000-4000-8000-000000000009',
  'defense_evasion_exchange_mailbox_audit_bypass_association.toml': '7e57000a-0000-4000-8000-00000000000a',
  'defense_evasion_exchange_malware_filter_policy_deletion.toml': '7e57000b-0000-4000-8000-00000000000b',
  'defense_evasion_exchange_malware_filter_rule_mod.toml': '7e57000c-0000-4000-8000-00000000000c',
  'defense_evasion_exchange_new_inbox_rule_delete_or_move.toml': '7e57000d-0000-4000-8000-00000000000d',
  'defense_evasion_exchange_safe_attach_rule_disabled.toml': '7e57000e-0000-4000-8000-00000000000e',
  'exfiltration_exchange_transport_rule_creation.toml': '7e57000f-0000-4000-8000-00000000000f',
  'exfiltration_exchange_transport_rule_modification.toml': '7e570010-0000-4000-8000-000000000010',
  'persistence_exchange_management_role_assignment.toml': '7e570011-0000-4000-8000-000000000011',
  'persistence_exchange_suspicious_mailbox_permission_delegation.toml':
    '7e570012-0000-4000-8000-000000000012',
  'privilege_escalation_exchange_new_or_modified_federation_domain.toml':
    '7e570013-0000-4000-8000-000000000013',
  'defense_evasion_mfa_notification_email_deleted.toml': '7e570014-0000-4000-8000-000000000014',
  'defense_evasion_sharepoint_sharing_policy_weakened.toml': '7e570015-0000-4000-8000-000000000015',
  'defense_evasion_teams_custom_app_interaction_allowed.toml': '7e570016-0000-4000-8000-000000000016',
  'defense_evasion_teams_external_access_enabled.toml': '7e570017-0000-4000-8000-000000000017',
  'persistence_teams_guest_access_enabled.toml': '7e570018-0000-4000-8000-000000000018',
  'discovery_sharepoint_sensitive_term_search.toml': '7e570019-0000-4000-8000-000000000019',
  'impact_security_compliance_potential_ransomware_activity.toml': '7e57001a-0000-4000-8000-00000000001a',
  'impact_security_compliance_unusual_volume_of_file_deletion.toml': '7e57001b-0000-4000-8000-00000000001b',
  'initial_access_security_compliance_user_reported_phish_malware.toml':
    '7e57001c-0000-4000-8000-00000000001c',
  'initial_access_security_compliance_user_restricted_from_sending_email.toml':
    '7e57001d-0000-4000-8000-00000000001d',
  'initial_access_identity_illicit_consent_grant_via_registered_application.toml':
    '7e57001e-0000-4000-8000-00000000001e',
  'initial_access_identity_oauth_device_code_grant_unusual_source_asn.toml':
    '7e57001f-0000-4000-8000-00000000001f',
  'initial_access_identity_oauth_device_code_grant_unusual_user_noncompliant_device.toml':
    '7e570020-0000-4000-8000-000000000020',
  'initial_access_identity_oauth_phishing_via_first_party_microsoft_application.toml':
    '7e570021-0000-4000-8000-000000000021',
  'initial_access_identity_ropc_grant_via_legacy_authenticated_client.toml':
    '7e570022-0000-4000-8000-000000000022',
  'initial_access_identity_unusual_sso_errors_for_user.toml': '7e570023-0000-4000-8000-000000000023',
  'initial_access_tycoon_o365.toml': '7e570024-0000-4000-8000-000000000024',
  'initial_access_teams_rogue_helpdesk_chat.toml': '7e570025-0000-4000-8000-000000000025',
  'lateral_movement_onedrive_malware_uploaded.toml': '7e570026-0000-4000-8000-000000000026',
  'lateral_movement_sharepoint_malware_uploaded.toml': '7e570027-0000-4000-8000-000000000027',
  'persistence_entra_id_global_administrator_role_assign.toml': '7e570028-0000-4000-8000-000000000028',
  'privilege_escalation_sharepoint_site_collection_admin_added.toml': '7e570029-0000-4000-8000-000000000029',
};
const BENIGN_RECORD = '7e57002a-0000-4000-8000-00000000002a';

/** The event as written: serialized and read back, so the rule sees what a SIEM stores. */
function writtenEvent(id: string): unknown {
  const record = records.find((r) => r.Id === id);
  if (!record) throw new Error(`no record ${id} in rule-targets.json`);
  const result = normalizeRecord(record, { contentType: 'Audit.General', contentId: 'rules' });
  if (!result.ok) throw new Error(result.reason);
  return JSON.parse(serializeEvent(result.event));
}

function fires(rule: Rule, event: unknown): boolean {
  return rule.language === 'eql'
    ? eqlMatches(parseEql(rule.query), event)
    : kqlMatches(parseKql(rule.query), event);
}

const evaluated = rules.filter((r) => r.skip === undefined);
const singleEvent = evaluated.filter((r) => r.type === 'query' || r.type === 'eql');

describe("Elastic's prebuilt Microsoft 365 rules", () => {
  it('come from the public repository, and only multi-event or enrichment-bound rules are skipped', () => {
    expect(source).toMatch(/elastic\/detection-rules.*rules\/integrations\/o365/);
    expect(rules).toHaveLength(49);
    expect(evaluated).toHaveLength(41);
    // The 25 of the issue: non-deprecated KQL query rules and single-event EQL rules.
    expect(singleEvent.filter((r) => !r.name.startsWith('Deprecated'))).toHaveLength(25);
    for (const rule of rules.filter((r) => r.skip !== undefined)) {
      expect(['esql', 'threshold', 'eql', 'new_terms']).toContain(rule.type);
    }
    expect(Object.keys(TARGET_RECORD).sort()).toEqual(evaluated.map((r) => r.file).sort());
  });

  it.each(evaluated.map((r) => [r.name, r] as const))(
    '%s fires on the event of the record it targets',
    (_name, rule) => {
      expect(fires(rule, writtenEvent(TARGET_RECORD[rule.file]))).toBe(true);
    },
  );

  it('all stay silent on an ordinary file access', () => {
    const event = writtenEvent(BENIGN_RECORD);
    expect(evaluated.filter((rule) => fires(rule, event)).map((r) => r.name)).toEqual([]);
  });
});
