/**
 * Evaluation errors are shown on the rule (`lastError`, `errorCount`); a failing rule on a busy
 * feed would otherwise write its row per reading, so errors are summed per rule and written at
 * most once per flush.
 */
import type { Rule } from '@geopulse/contracts';
import type { Clock, RuleRepository } from './ports';

interface Pending {
  tenantId: string;
  ruleId: string;
  count: number;
  last: { message: string; at: string; deviceId?: string };
}

export class EvaluationErrorLog {
  private pending = new Map<string, Pending>();

  constructor(
    private readonly repository: RuleRepository,
    private readonly clock: Clock,
  ) {}

  record(rule: Rule, deviceId: string, message: string): void {
    const key = `${rule.tenantId}:${rule.id}`;
    const entry = this.pending.get(key) ?? { tenantId: rule.tenantId, ruleId: rule.id, count: 0, last: { message, at: '' } };
    entry.count += 1;
    entry.last = { message: message.slice(0, 500), at: new Date(this.clock()).toISOString(), deviceId };
    this.pending.set(key, entry);
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    for (const entry of batch) await this.repository.recordErrors(entry.tenantId, entry.ruleId, entry.last, entry.count);
  }
}
