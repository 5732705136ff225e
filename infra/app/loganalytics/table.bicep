// The loganalytics sink's table: O365Audit_CL in a Log Analytics workspace (the deployment's own, or an
// existing Microsoft Sentinel workspace), with the columns the sink writes (columns.json, kept in step
// with shared/sinks/loganalytics/columns.ts by test/infra). Deployed in the workspace's resource group.
param workspaceName string

@description('Custom table name; custom tables end in _CL.')
param tableName string

var columns = loadJsonContent('columns.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource table 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = {
  parent: workspace
  name: tableName
  properties: {
    plan: 'Analytics'
    schema: {
      name: tableName
      columns: columns
    }
  }
}

output workspaceResourceId string = workspace.id
// A DCR that writes to a workspace must be in the workspace's region.
output location string = workspace.location
output tableName string = table.name
