// The Function App (Flex Consumption, Linux, Node) and its app settings. The settings live in one
// object literal (`appSettings` below) so that test/infra can compare them, name for name, with the
// settings the configuration module reads. No value here is a secret: the client secret is read
// from Key Vault at run time, and WEBHOOK_AUTH_ID is a Key Vault reference.
param name string
param location string
param tags object
param planId string
@allowed([
  '20'
  '22'
])
param nodeVersion string

param identityId string
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param contentQueueName string
param ledgerTableName string
param stateTableName string
param tenantsTableName string
param eventsContainerName string
param dedupeContainerName string

param appInsightsConnectionString string
param keyVaultUri string
param clientSecretName string
param webhookAuthIdUri string

param o365TenantId string
param o365ClientId string
param o365Cloud string
param o365TenantName string
param o365Credential string
param o365CertificateName string
param o365Tenants string
param publisherId string

@description('Values for the optional settings below (JSON object, name to value). Other names are ignored.')
param optionalAppSettings object = {}

// ---- Sinks (issue 13): SINKS and the eventhub/loganalytics destinations, empty when not chosen ----
param sinks string
param eventHubNamespace string
param eventHubName string
param logsIngestionEndpoint string
param logsDcrImmutableId string
param logsStreamName string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy `services.api` to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    // Key Vault references (WEBHOOK_AUTH_ID) resolve with this identity, not a system one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: 40
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Single tenant (O365_TENANT_ID ...) or several (O365_TENANTS): the configuration refuses both, and
// treats an empty setting as unset, so the unused form is written empty.
var singleTenant = empty(o365Tenants)

// Flex Consumption sets the runtime itself: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
// must not appear here (the platform rejects them).
var appSettings = {
  // Read by the Functions host itself, not by shared/config (test/infra lists them as host-read).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Identity-based storage, no keys: host triggers and the app's own clients.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageAccount.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageAccount.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storageAccount.properties.primaryEndpoints.table
  AZURE_CLIENT_ID: identityClientId

  CONTENT_QUEUE_NAME: contentQueueName
  LEDGER_TABLE_NAME: ledgerTableName
  STATE_TABLE_NAME: stateTableName
  TENANTS_TABLE_NAME: tenantsTableName
  EVENTS_CONTAINER_NAME: eventsContainerName
  DEDUPE_CONTAINER_NAME: dedupeContainerName

  KEY_VAULT_URL: keyVaultUri

  O365_TENANT_ID: singleTenant ? o365TenantId : ''
  O365_CLIENT_ID: singleTenant ? o365ClientId : ''
  O365_CLOUD: singleTenant ? o365Cloud : ''
  O365_TENANT_NAME: singleTenant ? o365TenantName : ''
  O365_CLIENT_SECRET_NAME: singleTenant ? clientSecretName : ''
  O365_CREDENTIAL: singleTenant ? o365Credential : ''
  O365_CERTIFICATE_NAME: singleTenant ? o365CertificateName : ''
  O365_TENANTS: o365Tenants
  PUBLISHER_ID: publisherId

  // Microsoft POSTs notifications here; the route is anonymous (Webhook-AuthID authenticates them),
  // so the address carries no function key.
  WEBHOOK_URL: 'https://${site.properties.defaultHostName}/api/webhook'
  WEBHOOK_AUTH_ID: '@Microsoft.KeyVault(SecretUri=${webhookAuthIdUri})'

  // Sinks (issue 13): no key or connection string; both sinks sign in with the identity.
  SINKS: sinks
  EVENTHUB_NAMESPACE: eventHubNamespace
  EVENTHUB_NAME: eventHubName
  LOGS_INGESTION_ENDPOINT: logsIngestionEndpoint
  LOGS_DCR_IMMUTABLE_ID: logsDcrImmutableId
  LOGS_STREAM_NAME: logsStreamName
}

// Settings the code reads with a default; a user may give them (docs/deploy.md, Optional settings).
// Anything else in optionalAppSettings is dropped, so a local-only setting such as the client secret
// value can never reach the app this way.
var optionalSettingNames = [
  'O365_CONTENT_TYPES'
  'O365_API_BASE_URL'
  'O365_AUTHORITY_HOST'
  'O365_TOKEN_SCOPE'
  'O365_GRAPH_BASE_URL'
  'WEBHOOK_MAX_BODY_BYTES'
  'SECRET_CACHE_SECONDS'
  'O365_REQUEST_TIMEOUT_MS'
  'O365_MAX_ATTEMPTS'
  'MAINTENANCE_SCHEDULE'
  'BACKFILL_LOOKBACK_HOURS'
  'MAINTENANCE_ALERT_AFTER_RUNS'
  'CHECKPOINT_LAG_ALERT_MINUTES'
  'MAINTENANCE_CONCURRENCY'
  'MAINTENANCE_TENANT_TIMEOUT_MS'
  'SECRET_EXPIRY_THRESHOLDS_DAYS'
  'GRAPH_EXPIRY_CHECK'
  'ALERT_WEBHOOK_URL'
  'EVENTHUB_MAX_BATCH_BYTES'
  'DATA_STREAM_NAMESPACE'
  'PRESERVE_ORIGINAL_EVENT'
  // Sinks (README "Sinks"): the API key and HEC token are Key Vault secrets named here, never values.
  'ELASTICSEARCH_URL'
  'ELASTICSEARCH_CLOUD_ID'
  'ELASTICSEARCH_API_KEY_SECRET_NAME'
  'ELASTICSEARCH_INDEX'
  'ELASTICSEARCH_MAX_BATCH_BYTES'
  'ELASTICSEARCH_MAX_BATCH_EVENTS'
  'SPLUNK_HEC_URL'
  'SPLUNK_HEC_TOKEN_SECRET_NAME'
  'SPLUNK_INDEX'
  'SPLUNK_SOURCETYPE'
  'SPLUNK_HEC_ACK'
  'SPLUNK_MAX_BATCH_BYTES'
  'SPLUNK_MAX_BATCH_EVENTS'
]
var chosenOptionalSettingItems = filter(items(optionalAppSettings), setting => contains(optionalSettingNames, setting.key))
var chosenOptionalSettings = toObject(chosenOptionalSettingItems, setting => setting.key, setting => string(setting.value))

// This resource replaces the whole app settings list on every provision: a setting added by hand in
// the portal disappears at the next `azd provision`; give optional ones through optionalAppSettings.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(chosenOptionalSettings, appSettings)
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
output webhookUrl string = appSettings.WEBHOOK_URL
