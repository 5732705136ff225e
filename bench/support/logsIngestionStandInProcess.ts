/**
 * The Logs Ingestion API stand-in in its own process, so the benchmark's process holds only the sink:
 * unzipping and storing the rows is "Azure Monitor's" work, not ours.
 */
import {
  startLogsIngestionStandIn,
  type LogsIngestionStandIn,
} from '../../local/standIns/logsIngestionStandIn';
import { serveRequests } from './childProcess';

let standIn: LogsIngestionStandIn | undefined;

serveRequests(
  async (request) => {
    if (request.op === 'start') {
      standIn = await startLogsIngestionStandIn({
        dcrImmutableId: String(request.dcrImmutableId),
        streamName: String(request.streamName),
        columns: request.columns as string[],
      });
      return standIn.url;
    }
    if (request.op === 'rows') return standIn?.rows.length ?? 0;
    throw new Error(`unknown request ${request.op}`);
  },
  async () => {
    await standIn?.stop();
  },
);
