#!/bin/sh
# azd postdeploy hook (runs after `azd up` and `azd deploy`).
# The code is only there after deploy, so this cannot be a postprovision hook: it waits until the
# deployed app answers, then runs the maintenance function once through the admin endpoint. That
# run ensures the subscriptions with the deployed webhook address, so events start flowing now
# instead of at the next timer tick (up to 15 minutes later).
# Keys travel in the x-functions-key header, never in a URL or on the terminal.
set -eu

: "${AZURE_FUNCTION_APP_NAME:?is not set: run this through azd (azd up or azd deploy)}"
: "${AZURE_RESOURCE_GROUP:?is not set: run this through azd (azd up or azd deploy)}"

attempts="${POSTDEPLOY_ATTEMPTS:-30}"
pause="${POSTDEPLOY_PAUSE_SECONDS:-10}"

app_url="${AZURE_FUNCTION_APP_URL:-}"
if [ -z "$app_url" ]; then
  app_url="https://$(az functionapp show -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query defaultHostName -o tsv)"
fi

read_key() {
  az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query "$1" -o tsv 2>/dev/null || true
}

# A fresh Flex Consumption app can take a few minutes before its keys exist and it serves requests.
i=1
status=""
while [ "$i" -le "$attempts" ]; do
  function_key="$(read_key functionKeys.default)"
  if [ -n "$function_key" ]; then
    status="$(curl -sS -o /dev/null -w '%{http_code}' -H "x-functions-key: $function_key" \
      "$app_url/api/health" 2>/dev/null || true)"
    if [ "$status" = "200" ]; then
      break
    fi
  fi
  echo "postdeploy: waiting for $app_url/api/health (try $i of $attempts, last status: ${status:-none})"
  i=$((i + 1))
  sleep "$pause"
done

if [ "$status" != "200" ]; then
  echo "postdeploy: $app_url/api/health did not answer 200 (last status: ${status:-none})." >&2
  echo "postdeploy: look at the app's logs in Application Insights; once it runs, the maintenance" >&2
  echo "postdeploy: timer ensures the subscriptions by itself, or run: azd hooks run postdeploy" >&2
  exit 1
fi

master_key="$(read_key masterKey)"
if [ -z "$master_key" ]; then
  echo "postdeploy: could not read the master key (az functionapp keys list)." >&2
  exit 1
fi

# The admin endpoint queues the run and answers 202 Accepted.
status="$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "x-functions-key: $master_key" \
  -H 'Content-Type: application/json' -d '{}' "$app_url/admin/functions/maintenance" 2>/dev/null || true)"
if [ "$status" != "202" ] && [ "$status" != "200" ]; then
  echo "postdeploy: starting the maintenance function failed (status: ${status:-none})." >&2
  exit 1
fi

echo "postdeploy: maintenance started; it subscribes ${WEBHOOK_URL:-the webhook} to the audit content types."
echo "postdeploy: events arrive as Microsoft publishes them (often within an hour for a new subscription)."
