/**
 * The Elasticsearch and Splunk HEC stand-ins in their own process, so the benchmark's process holds
 * only the sinks: parsing and storing the events is "the SIEM's" work, not ours.
 */
import {
  startElasticsearchStandIn,
  type ElasticsearchStandIn,
} from '../../local/standIns/elasticsearchStandIn';
import { startSplunkHecStandIn, type SplunkHecStandIn } from '../../local/standIns/splunkHecStandIn';
import { serveRequests } from './childProcess';

let es: ElasticsearchStandIn | undefined;
let hec: SplunkHecStandIn | undefined;

serveRequests(
  async (request) => {
    if (request.op !== 'start') throw new Error(`unknown request ${request.op}`);
    es = await startElasticsearchStandIn();
    hec = await startSplunkHecStandIn();
    return { elasticsearchUrl: es.url, splunkUrl: hec.url };
  },
  async () => {
    await Promise.all([es?.stop(), hec?.stop()]);
  },
);
