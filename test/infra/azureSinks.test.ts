/**
 * The eventhub and loganalytics sinks in infra/: chosen by the azd `sinks` parameter, their resources
 * created only when chosen, each role on the one resource it concerns, the app settings wired from the
 * modules' outputs, and the Log Analytics columns the same as the code's.
 */
import { loadConfig } from '../../shared/config/settings';
import { O365_AUDIT_COLUMNS } from '../../shared/sinks/loganalytics/columns';
import { DEFAULT_STREAM_NAME, DEFAULT_TABLE_NAME } from '../../shared/sinks/loganalytics/config';
import { params, readRepoFile, resources, varObject } from './bicepText';

const main = readRepoFile('infra/main.bicep');
const functionBicep = readRepoFile('infra/app/function.bicep');
const eventHubBicep = readRepoFile('infra/app/eventhub.bicep');
const tableBicep = readRepoFile('infra/app/loganalytics/table.bicep');
const ingestionBicep = readRepoFile('infra/app/loganalytics/ingestion.bicep');
const entry = (r: { entries: { key: string; value: string }[] }, key: string) =>
  r.entries.find((e) => e.key === key)?.value;
const oneLine = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ');

/** The text of `module <name> '<path>' = …` up to the next top-level declaration. */
function moduleBlock(name: string): string {
  const start = main.search(new RegExp(`^module ${name} `, 'm'));
  if (start === -1) throw new Error(`main.bicep has no module ${name}`);
  const rest = main.slice(start);
  const end = rest.slice(1).search(/^(module|resource|output|var|param|\/\/ ----) /m);
  return end === -1 ? rest : rest.slice(0, end + 1);
}

describe('sinks chosen at deployment', () => {
  const mapped = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
    parameters: Record<string, { value: string }>;
  };

  it('take blob only by default, from the SINKS azd variable', () => {
    expect(main).toMatch(/^param sinks string = 'blob'$/m);
    expect(mapped.parameters.sinks.value).toBe('${SINKS=blob}');
    expect(mapped.parameters.existingEventHubId.value).toBe('${EVENTHUB_RESOURCE_ID}');
    expect(mapped.parameters.sentinelWorkspaceId.value).toBe('${SENTINEL_WORKSPACE_ID}');
    expect(mapped.parameters.eventHubSku.value).toBe('${EVENTHUB_SKU=Standard}');
  });

  it('create the Event Hubs and Log Analytics resources only when their sink is chosen', () => {
    expect(main).toMatch(/var eventHubChosen = contains\(sinkList, 'eventhub'\)/);
    expect(main).toMatch(/var logAnalyticsChosen = contains\(sinkList, 'loganalytics'\)/);
    expect(moduleBlock('eventHub')).toMatch(
      /^module eventHub 'app\/eventhub.bicep' = if \(eventHubChosen\) \{/,
    );
    expect(moduleBlock('auditTable')).toMatch(/= if \(logAnalyticsChosen\) \{/);
    expect(moduleBlock('auditIngestion')).toMatch(/= if \(logAnalyticsChosen\) \{/);
  });

  it('use an existing event hub or Sentinel workspace by resource id, in its own resource group', () => {
    const eventHub = moduleBlock('eventHub');
    expect(eventHub).toMatch(
      /scope: useExistingEventHub \? resourceGroup\(existingEventHub\[2\], existingEventHub\[4\]\)/,
    );
    expect(eventHub).toMatch(/createNamespace: !useExistingEventHub/);
    expect(eventHub).toMatch(/namespaceName: useExistingEventHub \? existingEventHub\[8\]/);
    expect(eventHub).toMatch(/eventHubName: useExistingEventHub \? existingEventHub\[10\]/);
    const table = moduleBlock('auditTable');
    expect(table).toMatch(
      /scope: useSentinelWorkspace \? resourceGroup\(sentinelWorkspace\[2\], sentinelWorkspace\[4\]\)/,
    );
    expect(table).toMatch(
      /workspaceName: useSentinelWorkspace \? sentinelWorkspace\[8\] : logAnalytics.outputs.name/,
    );
  });

  it('hand the sinks and their destinations to the app from the modules, empty when not chosen', () => {
    const app = moduleBlock('functionApp');
    expect(app).toMatch(/sinks: join\(sinkList, ','\)/);
    expect(app).toMatch(/eventHubNamespace: eventHub\.\?outputs\.fullyQualifiedNamespace \?\? ''/);
    expect(app).toMatch(/eventHubName: eventHub\.\?outputs\.eventHubName \?\? ''/);
    expect(app).toMatch(/logsIngestionEndpoint: auditIngestion\.\?outputs\.logsIngestionEndpoint \?\? ''/);
    expect(app).toMatch(/logsDcrImmutableId: auditIngestion\.\?outputs\.dcrImmutableId \?\? ''/);
    expect(app).toMatch(/logsStreamName: auditIngestion\.\?outputs\.streamName \?\? ''/);
    const settings = Object.fromEntries(varObject(functionBicep, 'appSettings').map((e) => [e.key, e.value]));
    expect(settings).toMatchObject({
      SINKS: 'sinks',
      EVENTHUB_NAMESPACE: 'eventHubNamespace',
      EVENTHUB_NAME: 'eventHubName',
      LOGS_INGESTION_ENDPOINT: 'logsIngestionEndpoint',
      LOGS_DCR_IMMUTABLE_ID: 'logsDcrImmutableId',
      LOGS_STREAM_NAME: 'logsStreamName',
    });
    for (const name of [
      'sinks',
      'eventHubNamespace',
      'eventHubName',
      'logsIngestionEndpoint',
      'logsDcrImmutableId',
      'logsStreamName',
    ]) {
      expect(params(functionBicep)).toContainEqual({ name, type: 'string', hasDefault: false });
    }
  });

  it('give settings the configuration accepts when both sinks are chosen', () => {
    const config = loadConfig({
      O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      KEY_VAULT_URL: 'https://kv-x.vault.azure.net/',
      AzureWebJobsStorage__blobServiceUri: 'https://stx.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stx.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stx.table.core.windows.net/',
      // As join(sinkList, ','), the eventhub module's host output and the DCE/DCR outputs give them.
      SINKS: 'blob,eventhub,loganalytics',
      EVENTHUB_NAMESPACE: 'evhns-abc123.servicebus.windows.net',
      EVENTHUB_NAME: 'o365-audit',
      LOGS_INGESTION_ENDPOINT: 'https://dce-abc123-x1yz.westeurope-1.ingest.monitor.azure.com',
      LOGS_DCR_IMMUTABLE_ID: 'dcr-00112233445566778899aabbccddeeff',
      LOGS_STREAM_NAME: 'Custom-O365Audit_CL',
    });
    expect(config.azureSinks.eventhub?.eventHubName).toBe('o365-audit');
    expect(config.azureSinks.loganalytics?.streamName).toBe(DEFAULT_STREAM_NAME);
  });
});

describe('the eventhub sink in infra/app/eventhub.bicep', () => {
  const declared = resources('eventhub.bicep', eventHubBicep);

  it('creates a namespace without local (key) auth, and its hub, only when no existing hub is given', () => {
    const namespace = declared.find((r) => r.type === 'Microsoft.EventHub/namespaces' && !r.existing);
    expect(oneLine(entry(namespace!, 'properties'))).toMatch(/disableLocalAuth: true/);
    expect(eventHubBicep).toMatch(/resource createdNamespace '[^']+' = if \(createNamespace\)/);
    expect(eventHubBicep).toMatch(
      /resource createdHub 'Microsoft.EventHub\/namespaces\/eventhubs@[^']+' = if \(createNamespace\)/,
    );
    expect(oneLine(entry(namespace!, 'sku'))).toMatch(/name: sku tier: sku/);
  });

  it('gives the app identity Azure Event Hubs Data Sender on the hub, and nothing else', () => {
    const roles = declared.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(roles).toHaveLength(1);
    expect(eventHubBicep).toContain("eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'");
    expect(entry(roles[0], 'scope')).toBe('hub');
    expect(oneLine(entry(roles[0], 'properties'))).toMatch(
      /roles\.eventHubsDataSender\).*principalId: senderPrincipalId/,
    );
  });

  it('outputs the namespace host (EVENTHUB_NAMESPACE), not an endpoint URL or a connection string', () => {
    expect(eventHubBicep).toMatch(
      /output fullyQualifiedNamespace string = split\(split\(namespace\.properties\.serviceBusEndpoint, '\/\/'\)\[1\], ':'\)\[0\]/,
    );
    expect(eventHubBicep).not.toMatch(/authorizationRules|listKeys|ConnectionString/i);
  });
});

describe('the loganalytics sink in infra/app/loganalytics', () => {
  const columns = JSON.parse(readRepoFile('infra/app/loganalytics/columns.json')) as {
    name: string;
    type: string;
  }[];

  it('declares exactly the columns the code writes, TimeGenerated first', () => {
    expect(columns).toEqual(O365_AUDIT_COLUMNS.map((c) => ({ name: c.name, type: c.type })));
    expect(columns[0]).toEqual({ name: 'TimeGenerated', type: 'datetime' });
    // Standard columns of every table may not be declared by a custom one.
    for (const reserved of [
      'TenantId',
      'Type',
      '_ResourceId',
      'SourceSystem',
      'MG',
      'ManagementGroupName',
      'Computer',
    ]) {
      expect(columns.map((c) => c.name)).not.toContain(reserved);
    }
    for (const c of columns) expect(c.name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
  });

  it('creates the O365Audit_CL table with those columns, and the stream the code sends by default', () => {
    expect(main).toContain(`var auditTableName = '${DEFAULT_TABLE_NAME}'`);
    expect(moduleBlock('auditIngestion')).toContain("streamName: 'Custom-${auditTableName}'");
    expect(DEFAULT_STREAM_NAME).toBe(`Custom-${DEFAULT_TABLE_NAME}`);
    const [table] = resources('table.bicep', tableBicep).filter((r) => !r.existing);
    expect(table.type).toBe('Microsoft.OperationalInsights/workspaces/tables');
    expect(oneLine(entry(table, 'properties'))).toMatch(/schema: \{ name: tableName columns: columns \}/);
    expect(tableBicep).toContain("var columns = loadJsonContent('columns.json')");
  });

  it('creates a DCE and a DCR that declares the stream, transforms TimeGenerated and writes to the table', () => {
    const declared = resources('ingestion.bicep', ingestionBicep);
    expect(declared.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'Microsoft.Insights/dataCollectionEndpoints',
        'Microsoft.Insights/dataCollectionRules',
      ]),
    );
    const rule = declared.find((r) => r.type === 'Microsoft.Insights/dataCollectionRules')!;
    const properties = oneLine(entry(rule, 'properties'));
    expect(properties).toMatch(/dataCollectionEndpointId: endpoint\.id/);
    expect(properties).toMatch(/streamDeclarations: \{ '\$\{streamName\}': \{ columns: columns \} \}/);
    expect(properties).toMatch(/workspaceResourceId: workspaceResourceId/);
    expect(properties).toMatch(
      /transformKql: 'source \| extend TimeGenerated = todatetime\(TimeGenerated\)'/,
    );
    expect(properties).toMatch(/outputStream: 'Custom-\$\{tableName\}'/);
    expect(ingestionBicep).toContain("var columns = loadJsonContent('columns.json')");
    expect(ingestionBicep).toMatch(
      /output logsIngestionEndpoint string = endpoint\.properties\.logsIngestion\.endpoint/,
    );
    expect(ingestionBicep).toMatch(/output dcrImmutableId string = rule\.properties\.immutableId/);
  });

  it('documents every column with its type in docs/sentinel.md', () => {
    const doc = readRepoFile('docs/sentinel.md');
    const rows = [...doc.matchAll(/^\|\s*`(\w+)`\s*\|\s*(\w+)\s*\|/gm)].map((m) => ({
      name: m[1],
      type: m[2],
    }));
    expect(rows).toEqual(columns);
  });

  it('puts the DCE and DCR in the workspace region', () => {
    expect(tableBicep).toMatch(/output location string = workspace\.location/);
    expect(moduleBlock('auditIngestion')).toMatch(/location: auditTable\.\?outputs\.location \?\? location/);
  });

  it('gives the app identity Monitoring Metrics Publisher on the DCR, and nothing else', () => {
    const roles = resources('ingestion.bicep', ingestionBicep).filter(
      (r) => r.type === 'Microsoft.Authorization/roleAssignments',
    );
    expect(roles).toHaveLength(1);
    expect(ingestionBicep).toContain("monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'");
    expect(entry(roles[0], 'scope')).toBe('rule');
    expect(oneLine(entry(roles[0], 'properties'))).toMatch(/principalId: publisherPrincipalId/);
  });
});
