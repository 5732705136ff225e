// Key Vault with RBAC authorization (no access policies). It holds the client secret, with the
// expiry date Entra showed when the secret was made, and the webhook shared secret.
param name string
param location string
param tags object

param clientSecretName string
@secure()
param clientSecretValue string
@description('ISO 8601 date or date-time of the client secret expiry.')
param clientSecretExpiresOn string

param webhookAuthIdSecretName string
@secure()
param webhookAuthIdValue string

// dateTimeToEpoch wants a full date-time; Entra shows a date, so a bare date means midnight UTC.
var expiresOnDateTime = length(clientSecretExpiresOn) == 10 ? '${clientSecretExpiresOn}T00:00:00Z' : clientSecretExpiresOn

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// With an empty value the secret is left alone: a secret renewed by hand (az keyvault secret set)
// is not overwritten by the value azd remembered from the first deployment.
resource clientSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(clientSecretValue)) {
  parent: vault
  name: clientSecretName
  properties: {
    value: clientSecretValue
    contentType: 'Entra client secret of the Office 365 Management API app'
    attributes: {
      enabled: true
      // Without exp the receiver cannot warn before the secret lapses (it alerts secretWithoutExpiry).
      exp: dateTimeToEpoch(expiresOnDateTime)
    }
  }
}

resource webhookAuthId 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: webhookAuthIdSecretName
  properties: {
    value: webhookAuthIdValue
    contentType: 'Webhook-AuthID shared with the Office 365 Management API'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
// Versionless: the app setting reference follows the latest version.
output webhookAuthIdUri string = '${vault.properties.vaultUri}secrets/${webhookAuthId.name}'
