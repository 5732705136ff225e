/**
 * The simulated tenant serving a fleet of customer tenants of one multi-tenant app, in its own
 * process: its HTTPS answers, latency timers and request log are Microsoft's, not the receiver's.
 */
import { startSimulator, type LatencyOptions, type Simulator } from '../../local/simulator';
import { CONTENT_TYPES } from '../../shared/contentTypes';
import { serveRequests } from './childProcess';

let sim: Simulator | undefined;

serveRequests(
  async (request) => {
    switch (request.op) {
      case 'start': {
        const tenantIds = request.tenantIds as string[];
        sim = await startSimulator({
          tenants: tenantIds.map((tenantId) => ({
            tenantId,
            clientId: String(request.clientId),
            clientSecret: String(request.clientSecret),
          })),
          startSpacingMs: 0,
          allowInsecureWebhook: true,
          push: { autoPush: false },
        });
        // One small blob per tenant and content type, created an hour ago: each listing finds one.
        const createdAt = new Date(Date.now() - 60 * 60 * 1000);
        for (const tenantId of tenantIds) {
          for (const contentType of CONTENT_TYPES) {
            sim.generateAndPublish(tenantId, contentType, { blobs: 1, recordsPerBlob: 1, createdAt });
          }
        }
        return {
          apiBaseUrl: sim.apiBaseUrl,
          authorityHost: sim.authorityHost,
          graphBaseUrl: sim.graphBaseUrl,
        };
      }
      case 'setLatency':
        sim?.setLatency(request.latency as LatencyOptions);
        return true;
      default:
        throw new Error(`unknown request ${request.op}`);
    }
  },
  async () => {
    await sim?.stop();
  },
);
