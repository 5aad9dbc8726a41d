/**
 * Keeps this replica's rule book equal to the table: changes arrive on the compacted rules
 * topic (read in full by every replica), and reconciliation with the table (at start and
 * periodically) repairs what a crash between the table write and the publish lost, in both
 * directions: the book is corrected at once, and the lease holder re-publishes the missing
 * record or tombstone so the topic converges too. Disabled and deleted rules get their open
 * episodes closed (by one replica, under a lease), again on every reconciliation until none is open.
 */
import type { Rule } from '@geopulse/contracts';
import type { DeviceInfo } from '../domain/evaluation';
import { targets } from '../domain/targeting';
import type { EvaluateDevice } from './evaluate-device';
import type { Clock, DeviceStateStore, RuleChangePublisher, RuleRepository } from './ports';
import type { RuleBook, RuleBookChange } from './rule-book';

/** A table row is re-published only when the topic still lacks it after this long (in-flight writes). */
const REPUBLISH_GRACE_MS = 5_000;

export class SyncRules {
  /** Last version seen on the topic per `<tenant>:<rule>`; -1 for a tombstone. */
  private readonly onTopic = new Map<string, number>();

  constructor(
    private readonly book: RuleBook,
    private readonly repository: RuleRepository,
    private readonly publisher: RuleChangePublisher,
    private readonly states: DeviceStateStore,
    private readonly evaluator: EvaluateDevice,
    private readonly clock: Clock,
    private readonly reconcileMs: number,
    private readonly onCloseError: (rule: Rule, error: Error) => void = () => undefined,
  ) {
    book.onChange((change) => this.changed(change));
  }

  /** Records of the rules topic in offset order: a rule, or the `<tenant>:<rule>` key of a tombstone. */
  applyTopic(records: ReadonlyArray<{ rule: Rule } | { tombstone: string }>): void {
    for (const item of records) {
      if ('rule' in item) {
        this.onTopic.set(`${item.rule.tenantId}:${item.rule.id}`, item.rule.version);
        this.book.apply(item.rule);
        continue;
      }
      const at = item.tombstone.indexOf(':');
      if (at <= 0) continue;
      this.onTopic.set(item.tombstone, -1);
      this.book.remove(item.tombstone.slice(0, at), item.tombstone.slice(at + 1));
    }
  }

  async reconcile(): Promise<{ applied: number; removed: number; republished: number }> {
    const listedAt = this.clock();
    const rows = await this.repository.scanAll();
    let applied = 0;
    const present = new Set<string>();
    for (const row of rows) {
      if (this.book.apply(row)) applied += 1;
      if (!row.deleted) present.add(`${row.tenantId}:${row.id}`);
    }
    const absent = this.book.absentFrom(present, listedAt);
    for (const rule of absent) this.book.remove(rule.tenantId, rule.id);

    let republished = 0;
    if (await this.states.lease('reconcile-publish', Math.max(1000, this.reconcileMs - 100))) {
      for (const row of rows) {
        const key = `${row.tenantId}:${row.id}`;
        const seen = this.onTopic.get(key);
        if (listedAt - Date.parse(row.updatedAt) < REPUBLISH_GRACE_MS) continue;
        if (row.deleted && seen !== undefined && seen !== -1) {
          await this.publisher.publishDeleted(row.tenantId, row.id);
          republished += 1;
        } else if (!row.deleted && (seen === undefined || seen < row.version)) {
          const { deleted: _d, ...rule } = row;
          await this.publisher.publish(rule);
          republished += 1;
        }
      }
    }
    for (const row of rows) if (row.deleted || row.status === 'INACTIVE') await this.closeOpen(row, row.deleted ? 'rule deleted' : 'rule disabled');
    return { applied, removed: absent.length, republished };
  }

  private changed(change: RuleBookChange): void {
    if (change.kind === 'remove') void this.closeOpen(change.before, 'rule deleted');
    else if (change.after.status === 'INACTIVE' && change.before?.status !== 'INACTIVE') void this.closeOpen(change.after, 'rule disabled');
    else if (change.before && JSON.stringify(change.before.target) !== JSON.stringify(change.after.target)) {
      const target = change.after.target;
      void this.closeOpen(change.after, 'device no longer targeted', (device) => targets(target, device));
    }
  }

  private async closeOpen(rule: Rule, reason: string, keep?: (device: DeviceInfo) => boolean): Promise<void> {
    try {
      if ((await this.states.firingDevices(rule.tenantId, rule.id)).length === 0) return;
      if (!(await this.states.lease(`close:${rule.tenantId}:${rule.id}:${rule.version}`, 30_000))) return;
      await this.evaluator.closeRule(rule, reason, keep);
    } catch (err) {
      this.onCloseError(rule, err as Error);
    }
  }
}
