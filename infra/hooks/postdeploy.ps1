# azd postdeploy hook for Windows (PowerShell 7); same steps as postdeploy.sh.
# Waits until the deployed app answers, then runs the maintenance function once through the admin
# endpoint, which ensures the subscriptions with the deployed webhook address.
# Keys travel in the x-functions-key header, never in a URL or on the terminal.
$ErrorActionPreference = 'Stop'

if (-not $env:AZURE_FUNCTION_APP_NAME -or -not $env:AZURE_RESOURCE_GROUP) {
  Write-Error 'AZURE_FUNCTION_APP_NAME / AZURE_RESOURCE_GROUP are not set: run this through azd (azd up or azd deploy).'
  exit 1
}

$attempts = if ($env:POSTDEPLOY_ATTEMPTS) { [int]$env:POSTDEPLOY_ATTEMPTS } else { 30 }
$pause = if ($env:POSTDEPLOY_PAUSE_SECONDS) { [int]$env:POSTDEPLOY_PAUSE_SECONDS } else { 10 }

$appUrl = $env:AZURE_FUNCTION_APP_URL
if (-not $appUrl) {
  $hostName = az functionapp show -g $env:AZURE_RESOURCE_GROUP -n $env:AZURE_FUNCTION_APP_NAME --query defaultHostName -o tsv
  $appUrl = "https://$hostName"
}

function Read-Key([string]$query) {
  try {
    $value = az functionapp keys list -g $env:AZURE_RESOURCE_GROUP -n $env:AZURE_FUNCTION_APP_NAME --query $query -o tsv 2>$null
    if ($LASTEXITCODE -ne 0) { return '' }
    return "$value".Trim()
  } catch {
    return ''
  }
}

function Get-Status([string]$method, [string]$url, [string]$key, [string]$body) {
  $params = @{
    Method = $method
    Uri = $url
    Headers = @{ 'x-functions-key' = $key }
    SkipHttpErrorCheck = $true
  }
  if ($body) {
    $params.Body = $body
    $params.ContentType = 'application/json'
  }
  try {
    return [int](Invoke-WebRequest @params).StatusCode
  } catch {
    return 0
  }
}

# A fresh Flex Consumption app can take a few minutes before its keys exist and it serves requests.
$status = 0
for ($i = 1; $i -le $attempts; $i++) {
  $functionKey = Read-Key 'functionKeys.default'
  if ($functionKey) {
    $status = Get-Status 'GET' "$appUrl/api/health" $functionKey ''
    if ($status -eq 200) { break }
  }
  Write-Host "postdeploy: waiting for $appUrl/api/health (try $i of $attempts, last status: $status)"
  Start-Sleep -Seconds $pause
}

if ($status -ne 200) {
  Write-Error "postdeploy: $appUrl/api/health did not answer 200 (last status: $status). Look at the app's logs in Application Insights; once it runs, the maintenance timer ensures the subscriptions by itself, or run: azd hooks run postdeploy"
  exit 1
}

$masterKey = Read-Key 'masterKey'
if (-not $masterKey) {
  Write-Error 'postdeploy: could not read the master key (az functionapp keys list).'
  exit 1
}

# The admin endpoint queues the run and answers 202 Accepted.
$status = Get-Status 'POST' "$appUrl/admin/functions/maintenance" $masterKey '{}'
if ($status -ne 202 -and $status -ne 200) {
  Write-Error "postdeploy: starting the maintenance function failed (status: $status)."
  exit 1
}

$target = if ($env:WEBHOOK_URL) { $env:WEBHOOK_URL } else { 'the webhook' }
Write-Host "postdeploy: maintenance started; it subscribes $target to the audit content types."
Write-Host 'postdeploy: events arrive as Microsoft publishes them (often within an hour for a new subscription).'
