/**
 * The simulated tenant in its own process: a million generated records are about a gigabyte of
 * blob text, which belongs to "Microsoft", not to the receiver whose memory the benchmark reports.
 */
import {
  generateRecords,
  startSimulator,
  type PublishedContent,
  type Simulator,
} from '../../local/simulator';
import { CONTENT_TYPES } from '../../shared/contentTypes';
import { serveRequests } from './childProcess';

let sim: Simulator | undefined;
let published: PublishedContent[] = [];

function simulator(): Simulator {
  if (!sim) throw new Error('the simulator is not started');
  return sim;
}

serveRequests(
  async (request) => {
    switch (request.op) {
      case 'start': {
        sim = await startSimulator({
          tenants: [
            {
              tenantId: String(request.tenantId),
              clientId: String(request.clientId),
              clientSecret: String(request.clientSecret),
            },
          ],
          startSpacingMs: 0,
          allowInsecureWebhook: true,
          push: { retryDelaysMs: [100, 200, 400, 800, 1600], disableAfterFailures: 50 },
        });
        return {
          apiBaseUrl: sim.apiBaseUrl,
          authorityHost: sim.authorityHost,
          graphBaseUrl: sim.graphBaseUrl,
        };
      }
      case 'publish': {
        // Quietly: notifications go out together on 'notify', so generation is not timed.
        const blobs = Number(request.blobs);
        const recordsPerBlob = Number(request.recordsPerBlob);
        published = [];
        let bytes = 0;
        CONTENT_TYPES.forEach((contentType, i) => {
          const count = Math.floor(blobs / CONTENT_TYPES.length) + (i < blobs % CONTENT_TYPES.length ? 1 : 0);
          if (count === 0) return;
          const records = generateRecords(contentType, count * recordsPerBlob, {
            seed: Number(request.seed) + i,
            tenantId: String(request.tenantId),
          });
          for (let b = 0; b < count; b++) {
            const slice = records.slice(b * recordsPerBlob, (b + 1) * recordsPerBlob);
            bytes += JSON.stringify(slice).length;
            published.push(
              simulator().publishContent(String(request.tenantId), contentType, slice, { notify: false }),
            );
          }
        });
        return { blobs: published.length, records: published.reduce((n, c) => n + c.recordCount, 0), bytes };
      }
      case 'notify':
        simulator().notifyAgain(published);
        return published.length;
      case 'whenIdle':
        await simulator().whenIdle();
        return true;
      default:
        throw new Error(`unknown request ${request.op}`);
    }
  },
  async () => {
    await sim?.stop();
  },
);
