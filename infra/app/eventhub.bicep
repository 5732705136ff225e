// The eventhub sink's destination: an Event Hubs namespace and event hub, created here or given by the
// resource id of an existing hub, and Azure Event Hubs Data Sender for the app's identity on that hub
// (nothing wider). A namespace created here has local (SAS key) auth off: the app signs in with its
// identity, so no key or connection string exists to leak.
param createNamespace bool
param namespaceName string
param eventHubName string
param location string
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

@description('Principal id of the Function App user-assigned identity.')
param senderPrincipalId string

var roles = {
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
}

resource createdNamespace 'Microsoft.EventHub/namespaces@2024-01-01' = if (createNamespace) {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource createdHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = if (createNamespace) {
  parent: createdNamespace
  name: eventHubName
  properties: {
    partitionCount: 4
    // Basic keeps events one day at most; consumers that fall further behind lose them.
    messageRetentionInDays: sku == 'Basic' ? 1 : 7
  }
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: namespaceName
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: namespace
  name: eventHubName
}

resource senderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hub.id, senderPrincipalId, roles.eventHubsDataSender)
  scope: hub
  dependsOn: [
    createdHub
  ]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
    principalId: senderPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// serviceBusEndpoint is https://<namespace>.<the cloud's servicebus host>:443/; EVENTHUB_NAMESPACE is its host.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
output eventHubName string = hub.name
