// Alert rules on the receiver's own alert records. The timer (maintenance) and the fetch function log
// one trace per incident: `M365ReceiverAlert {"severity":…,"kind":…,"tenantId":…,"message":…}`.
// Each rule below selects some kinds from those traces and e-mails the action group.
param namePrefix string
param location string
param tags object
param appInsightsId string
param alertEmail string
@minValue(1)
param webhookRejectionThreshold int
param webhookRejectionWindow string

var marker = 'M365ReceiverAlert '

// The JSON follows the marker; a line that does not parse yields empty columns, still counted.
var alertRecords = 'traces | where message startswith "${marker}" | extend alert = parse_json(substring(message, strlen("${marker}"))) | extend alertKind = tostring(alert.kind), alertSeverity = tostring(alert.severity), tenantId = tostring(alert.tenantId), alertMessage = tostring(alert.message)'

var perTenant = [
  {
    name: 'alertKind'
    operator: 'Include'
    values: ['*']
  }
  {
    name: 'tenantId'
    operator: 'Include'
    values: ['*']
  }
]

var secretExpiringKinds = ['secretExpiring', 'secretWithoutExpiry', 'certificateExpiring']
var secretExpiredKinds = ['secretExpired', 'secretRejected', 'certificateExpired', 'certificateRejected']
var contentLostKinds = ['contentLost', 'backfillGapLost']
var poisonKinds = ['poisonMessage']
var subscriptionKinds = ['subscriptionDisabledByAdmin']
var webhookKinds = ['webhookRejected']
var poisonDepthKinds = ['poisonQueueNotEmpty']
var knownKinds = concat(secretExpiringKinds, secretExpiredKinds, contentLostKinds, poisonKinds, subscriptionKinds, webhookKinds, poisonDepthKinds)

// The Functions host logs this warning for each queue message it moves to "<queue>-poison" after the
// last dequeue, whatever ended the tries (timeout, crash, out of memory): a signal that needs no code
// of ours to have run, beside the timer's own depth check.
var hostPoisonMoves = 'traces | where message has "Moving message to queue" and message has "-poison" | extend alertKind = "hostMovedToPoison", tenantId = ""'

// Azure severity: 0 critical, 1 error, 2 warning.
var rules = [
  {
    key: 'secret-expiring'
    title: 'Office 365 client secret or certificate expires soon (or has no expiry date)'
    severity: 2
    query: '${alertRecords} | where alertKind in (${kql(secretExpiringKinds)})'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    // The timer repeats the warning on each threshold day; one mail a day is enough.
    mute: 'PT24H'
  }
  {
    key: 'secret-expired'
    title: 'Office 365 client secret or certificate expired or rejected: collection stopped'
    severity: 0
    query: '${alertRecords} | where alertKind in (${kql(secretExpiredKinds)})'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    mute: 'PT6H'
  }
  {
    key: 'content-lost'
    title: 'Audit content lost (blob gone or outside the 7-day window)'
    severity: 1
    query: '${alertRecords} | where alertKind in (${kql(contentLostKinds)})'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    mute: 'PT1H'
  }
  {
    key: 'poison-messages'
    title: 'Content blobs moved to the poison queue'
    severity: 1
    query: '${alertRecords} | where alertKind in (${kql(poisonKinds)})'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    mute: 'PT1H'
  }
  {
    key: 'poison-queue-depth'
    title: 'Messages wait in the poison queue (timer depth check, or moved there by the Functions host)'
    severity: 1
    query: 'union (${alertRecords} | where alertKind in (${kql(poisonDepthKinds)})), (${hostPoisonMoves})'
    // The host's lines carry no tenant: count everything together.
    dimensions: []
    threshold: 0
    window: 'PT15M'
    mute: 'PT1H'
  }
  {
    key: 'subscription-disabled'
    title: 'A content subscription was disabled by the tenant admin'
    severity: 1
    query: '${alertRecords} | where alertKind in (${kql(subscriptionKinds)})'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    mute: 'PT6H'
  }
  {
    key: 'webhook-rejections'
    title: 'Spike of rejected webhook notifications (forged, misrouted or misconfigured)'
    severity: 2
    query: '${alertRecords} | where alertKind in (${kql(webhookKinds)})'
    // Forged notifications carry no trustworthy tenant: count them all together.
    dimensions: []
    threshold: webhookRejectionThreshold
    window: webhookRejectionWindow
    mute: 'PT1H'
  }
  {
    key: 'other-alerts'
    title: 'Other receiver alert (e.g. secret unreadable, Graph not granted)'
    severity: 2
    // Info records (subscriptionStarted, webhookReenabled) are news, not incidents.
    query: '${alertRecords} | where alertKind !in (${kql(knownKinds)}) and alertSeverity in ("warning", "error", "critical")'
    dimensions: perTenant
    threshold: 0
    window: 'PT15M'
    mute: 'PT1H'
  }
]

func kql(kinds string[]) string => join(map(kinds, k => '"${k}"'), ', ')

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'm365recv'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: 'sqr-${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.title
      description: 'Fires on M365ReceiverAlert records; see docs/deploy.md (Alerts).'
      severity: rule.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: rule.window
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            dimensions: rule.dimensions
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: false
      // The rules are created with a brand-new Application Insights resource whose `traces` table
      // may not exist yet; validating the query then fails the first provision.
      skipQueryValidation: true
      muteActionsDuration: rule.mute
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]
