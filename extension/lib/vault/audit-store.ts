/**
 * lib/audit's AuditStore over the vault: the hash-chained audit trail's records are sealed under
 * the vault's audit key (wrapped by the vault key, kept across visit deletion) in the `audit`
 * table, keyed by seq. Clear: the seq (in the row id) and the timestamp (for pruning by time).
 * Every method needs the vault unlocked (LOCKED otherwise): AuditTrail turns that into
 * `store_error` and buffers, as its contract says.
 */
import type { AuditRecord } from '../audit/record.ts';
import type { AuditStore } from '../audit/store.ts';
import { VaultError } from './errors.ts';
import type { JsonContent, Vault } from './vault.ts';

export class VaultAuditStore implements AuditStore {
  readonly #vault: Vault;
  constructor(vault: Vault) {
    this.#vault = vault;
  }

  async append(record: AuditRecord): Promise<void> {
    // AuditRecord is JSON by construction (strings, numbers, plain objects): a round trip through
    // JSON both checks that and drops anything that is not.
    let json: JsonContent;
    try {
      json = JSON.parse(JSON.stringify(record)) as JsonContent;
    } catch {
      throw new VaultError('INVALID_INPUT');
    }
    await this.#vault.putChainRecord(record.seq, record.ts, json);
  }

  list(range?: { fromSeq?: number; toSeq?: number; limit?: number }): Promise<readonly unknown[]> {
    return this.#vault.listChainRecords(range);
  }

  last(): Promise<unknown> {
    return this.#vault.lastChainRecord();
  }

  count(): Promise<number> {
    return this.#vault.countChainRecords();
  }

  deleteOlderThan(cutoffIso: string): Promise<number> {
    return this.#vault.deleteChainRecordsOlderThan(cutoffIso);
  }
}
