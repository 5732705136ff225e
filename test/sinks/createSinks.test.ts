import { BlobServiceClient } from '@azure/storage-blob';
import { loadConfig } from '../../shared/config/settings';
import { EnvironmentSecretProvider } from '../../shared/secrets/secretProvider';
import { createContentSinks } from '../../shared/sinks/createSinks';
import { sinkRejectedAlert } from '../../shared/sinks/delivery/sinkAlerts';
import { blobRef } from './support';

describe('the configured sinks', () => {
  it('builds one sink per SINKS entry, in order, saying which are idempotent on event.id', () => {
    const config = loadConfig({
      O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      O365_CLIENT_SECRET: 's',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      SINKS: 'splunk,blob,elasticsearch,file',
      SPLUNK_HEC_URL: 'https://localhost:8088',
      SPLUNK_HEC_TOKEN: 't',
      ELASTICSEARCH_URL: 'https://localhost:9200',
      ELASTICSEARCH_API_KEY: 'k',
    });
    const sinks = createContentSinks(config, {
      blobService: BlobServiceClient.fromConnectionString('UseDevelopmentStorage=true'),
      secrets: new EnvironmentSecretProvider(),
    });
    expect(sinks.map((s) => [s.name, s.idempotentOnEventId])).toEqual([
      ['splunk', false],
      ['blob', false],
      ['elasticsearch', true],
      ['file', false],
    ]);
  });

  it('raises one sinkRejected alert per blob and sink that dead-lettered events, none otherwise', () => {
    const base = {
      sink: 'elasticsearch',
      status: 'completed' as const,
      events: 10,
      written: 8,
      alreadyPresent: 0,
      requests: 1,
    };
    expect(sinkRejectedAlert(blobRef('x'), { ...base, deadLettered: 0 })).toBeUndefined();
    expect(
      sinkRejectedAlert(blobRef('x'), {
        ...base,
        deadLettered: 2,
        deadLetterLocation: 'o365-events/deadletter/x',
      }),
    ).toEqual({
      severity: 'warning',
      kind: 'sinkRejected',
      tenantId: '11111111-2222-3333-4444-555555555555',
      message: expect.stringMatching(/^elasticsearch refused 2 event\(s\)/),
      details: {
        sink: 'elasticsearch',
        contentId: 'x',
        contentType: 'Audit.Exchange',
        deadLettered: 2,
        deadLetter: 'o365-events/deadletter/x',
      },
    });
  });
});
