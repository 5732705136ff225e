// The loganalytics sink's ingestion path: a data collection endpoint (DCE) and a data collection rule
// (DCR) that declares the stream the sink sends (columns.json), transforms it and writes it to the
// O365Audit_CL table; Monitoring Metrics Publisher on the DCR, and nothing wider, for the app's identity.
param dceName string
param dcrName string
@description('Region of the workspace: a DCR must be in the region of the workspace it writes to.')
param location string
param tags object
param workspaceResourceId string
param tableName string

@description('The stream the sink sends (LOGS_STREAM_NAME); custom streams start with Custom-.')
param streamName string

@description('Principal id of the Function App user-assigned identity.')
param publisherPrincipalId string

var columns = loadJsonContent('columns.json')
var roles = {
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource endpoint 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = {
  name: dceName
  location: location
  tags: tags
  properties: {
    networkAcls: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource rule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dcrName
  location: location
  tags: tags
  properties: {
    dataCollectionEndpointId: endpoint.id
    streamDeclarations: {
      '${streamName}': {
        columns: columns
      }
    }
    destinations: {
      logAnalytics: [
        {
          name: 'auditWorkspace'
          workspaceResourceId: workspaceResourceId
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          streamName
        ]
        destinations: [
          'auditWorkspace'
        ]
        // The sink sends TimeGenerated as ISO 8601 text; the table's column is a datetime.
        transformKql: 'source | extend TimeGenerated = todatetime(TimeGenerated)'
        outputStream: 'Custom-${tableName}'
      }
    ]
  }
}

resource publisherRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(rule.id, publisherPrincipalId, roles.monitoringMetricsPublisher)
  scope: rule
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output logsIngestionEndpoint string = endpoint.properties.logsIngestion.endpoint
output dcrImmutableId string = rule.properties.immutableId
output streamName string = streamName
