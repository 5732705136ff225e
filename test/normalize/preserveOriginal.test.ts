import { createServices } from '../../functions/services';
import { ConfigError, loadConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';
import { normalizeRecord } from '../../shared/normalize';
import { serializeEvent } from '../../shared/normalize/serialize';
import { attachJsonText, RAW_JSON_TEXT } from '../../shared/rawJson';

const base = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  O365_CLIENT_SECRET: 'local-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

// An Exchange admin record as the API writes it (schema §6: Parameters as a Name/Value list), read
// from text as the blob splitter reads it, so the reshaped o365.audit is spliced from that text.
const recordText =
  '{"CreationTime":"2024-07-01T10:00:00","Id":"6d2e1c0f-3b7a-4f38-9d4e-0a1b2c3d4e5f","Operation":"Set-Mailbox",' +
  '"OrganizationId":"11111111-2222-3333-4444-555555555555","RecordType":1,"ResultStatus":"True",' +
  '"UserKey":"10032001A1B2C3D4","UserType":2,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7",' +
  '"ObjectId":"contoso.onmicrosoft.com/Users/adele","UserId":"admin@contoso.onmicrosoft.com",' +
  '"Parameters":[{"Name":"Identity","Value":"adele"},{"Name":"ForwardingSmtpAddress","Value":"smtp:x@fabrikam.com"}]}';

function serialized(context: { preserveOriginal?: boolean }): Record<string, unknown> {
  const record = JSON.parse(recordText) as object;
  attachJsonText(record, RAW_JSON_TEXT, recordText);
  const result = normalizeRecord(record, context);
  if (!result.ok) throw new Error(result.reason);
  return JSON.parse(serializeEvent(result.event)) as Record<string, unknown>;
}

describe('PRESERVE_ORIGINAL_EVENT', () => {
  it('keeps the exact record text in event.original when turned on', () => {
    const event = serialized({ preserveOriginal: true }).event as Record<string, unknown>;
    expect(event.original).toBe(recordText);
  });

  it('leaves event.original out by default, with o365.audit still holding every field', () => {
    const kept = serialized({ preserveOriginal: true });
    const dropped = serialized({});
    expect(serialized({ preserveOriginal: false })).toEqual(dropped);
    expect((dropped.event as Record<string, unknown>).original).toBeUndefined();
    expect('original' in (dropped.event as object)).toBe(false);
    expect(dropped.o365).toEqual(kept.o365);
    const audit = (dropped.o365 as { audit: Record<string, unknown> }).audit;
    expect(audit.Parameters).toEqual({ Identity: 'adele', ForwardingSmtpAddress: 'smtp:x@fabrikam.com' });
    expect(Object.keys(audit)).toEqual(Object.keys(JSON.parse(recordText) as object));
    // Everything else in the event is the same.
    const withoutOriginal = { ...kept, event: { ...(kept.event as object), original: undefined } };
    expect(JSON.parse(JSON.stringify(withoutOriginal))).toEqual(dropped);
  });

  it('is read once at start-up, false unless set to true, and refuses anything else by name', () => {
    expect(loadConfig(base).preserveOriginalEvent).toBe(false);
    expect(loadConfig({ ...base, PRESERVE_ORIGINAL_EVENT: 'true' }).preserveOriginalEvent).toBe(true);
    expect(loadConfig({ ...base, PRESERVE_ORIGINAL_EVENT: 'FALSE' }).preserveOriginalEvent).toBe(false);
    let problem: { setting: string; message: string } | undefined;
    try {
      loadConfig({ ...base, PRESERVE_ORIGINAL_EVENT: 'sometimes' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      problem = (e as ConfigError).problems[0];
    }
    expect(problem?.setting).toBe('PRESERVE_ORIGINAL_EVENT');
    expect(problem?.message).toContain('true or false');
  });

  it('reaches the normalizer of every blob through the services', async () => {
    const config = loadConfig({ ...base, PRESERVE_ORIGINAL_EVENT: 'true' });
    const services = createServices(config, {
      logger: memoryLogger(),
      azureCredential: { getToken: async () => null },
    });
    const context = await services.normalizeContext(config.tenants[0], 'Audit.General');
    expect(context.preserveOriginal).toBe(true);
  });
});
