/**
 * Where the expiry alerting remembers what it already said, per tenant, so each threshold alerts once
 * even though every maintenance run (and every token refusal) evaluates again. One row per tenant in
 * the state table; writes are conditional on the ETag so two instances cannot both send one alert.
 */
import type { TableClient } from '@azure/data-tables';
import { retryableOnce } from '../retryableOnce';
import type { ExpiryState } from './expiry';

export interface StoredExpiryState {
  state?: ExpiryState;
  /** Concurrency token of the row read; absent when there was no row. */
  etag?: string;
}

export interface ExpiryStateStore {
  load(tenantId: string): Promise<StoredExpiryState>;
  /** False when someone else wrote the row since `etag` was read (the caller re-evaluates). */
  save(tenantId: string, state: ExpiryState, etag: string | undefined): Promise<boolean>;
}

export const EXPIRY_STATE_PARTITION = 'secretExpiry';

interface ExpiryRow {
  partitionKey: string;
  rowKey: string;
  state: string;
}

export class TableExpiryStateStore implements ExpiryStateStore {
  // createTable treats "already exists" as success.
  private readonly ensureTable = retryableOnce(() => this.table.createTable());

  constructor(private readonly table: TableClient) {}

  async load(tenantId: string): Promise<StoredExpiryState> {
    await this.ensureTable();
    try {
      const row = await this.table.getEntity<ExpiryRow>(EXPIRY_STATE_PARTITION, tenantId);
      return { state: parseState(row.state), etag: row.etag };
    } catch (e) {
      if (statusOf(e) === 404) return {};
      throw e;
    }
  }

  async save(tenantId: string, state: ExpiryState, etag: string | undefined): Promise<boolean> {
    await this.ensureTable();
    const row: ExpiryRow = {
      partitionKey: EXPIRY_STATE_PARTITION,
      rowKey: tenantId,
      state: JSON.stringify(state),
    };
    try {
      if (etag === undefined) await this.table.createEntity(row);
      else await this.table.updateEntity(row, 'Replace', { etag });
      return true;
    } catch (e) {
      const status = statusOf(e);
      // 409: created by someone else meanwhile; 412: changed since we read it.
      if (status === 409 || status === 412) return false;
      throw e;
    }
  }
}

/** A row written by an older or broken version must not stop the alerting: start afresh instead. */
function parseState(text: string | undefined): ExpiryState | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ExpiryState>;
    if (!parsed || typeof parsed !== 'object') return undefined;
    const fired = Array.isArray(parsed.firedThresholds)
      ? parsed.firedThresholds.filter((n): n is number => typeof n === 'number')
      : [];
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return {
      firedThresholds: fired,
      lastExpiredAlertAt: str(parsed.lastExpiredAlertAt),
      missingExpiryWarnedAt: str(parsed.missingExpiryWarnedAt),
      graphNotGrantedNotedAt: str(parsed.graphNotGrantedNotedAt),
      lastRejectedAlertAt: str(parsed.lastRejectedAlertAt),
      lastUnavailableAlertAt: str(parsed.lastUnavailableAlertAt),
    };
  } catch {
    return undefined;
  }
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? (e as { statusCode?: number }).statusCode : undefined;
}
