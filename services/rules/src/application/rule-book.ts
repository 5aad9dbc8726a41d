/**
 * The rules this replica evaluates: compiled once per version, newest version wins, whether it
 * came from the rules topic, this replica's own API or reconciliation with the table. It is
 * the broadcast state of the Flink job this replaces.
 */
import type { Rule } from '@geopulse/contracts';
import { compileRule, historyWindowMinutes, needsTimer, type CompiledExpressionOf, type CompiledRule } from '../domain/rule';
import type { ExpressionEngine } from '../domain/evaluation';
import type { ExpressionLimits } from '../domain/expression';
import type { Clock } from './ports';

export type RuleBookChange = { kind: 'upsert'; before?: Rule; after: Rule } | { kind: 'remove'; before: Rule };

interface Entry {
  compiled?: CompiledRule;
  /** Last version seen (deleted rules keep it, so an older replay cannot resurrect them). */
  version: number;
  deleted: boolean;
  appliedAt: number;
}

export class RuleBook {
  private readonly tenants = new Map<string, Map<string, Entry>>();
  private readonly listeners: Array<(change: RuleBookChange) => void> = [];

  constructor(
    private readonly engine: ExpressionEngine,
    private readonly limits: ExpressionLimits,
    private readonly clock: Clock,
    private readonly onCompileError: (rule: Rule, error: Error) => void = () => undefined,
  ) {}

  onChange(listener: (change: RuleBookChange) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Applies a rule version if it is newer than what the book holds; true when it changed something.
   * `compiled`: the version's expression when the caller has just compiled it (not compiled again).
   */
  apply(rule: Rule & { deleted?: boolean }, compiled?: CompiledExpressionOf): boolean {
    const rules = this.tenant(rule.tenantId);
    const entry = rules.get(rule.id);
    if (entry && entry.version >= rule.version) return false;
    if (rule.deleted) {
      rules.set(rule.id, { version: rule.version, deleted: true, appliedAt: this.clock() });
      if (entry?.compiled) this.emit({ kind: 'remove', before: entry.compiled.rule });
      return entry?.compiled !== undefined;
    }
    let ready: CompiledRule;
    try {
      ready = compileRule(this.engine, rule, this.limits, compiled);
    } catch (err) {
      this.onCompileError(rule, err as Error);
      return false;
    }
    rules.set(rule.id, { compiled: ready, version: rule.version, deleted: false, appliedAt: this.clock() });
    this.emit({ kind: 'upsert', before: entry?.compiled?.rule, after: rule });
    return true;
  }

  /** A tombstone from the topic: the rule is gone, whatever its version. */
  remove(tenantId: string, ruleId: string): boolean {
    const rules = this.tenant(tenantId);
    const entry = rules.get(ruleId);
    rules.set(ruleId, { version: entry?.version ?? 0, deleted: true, appliedAt: this.clock() });
    if (entry?.compiled) {
      this.emit({ kind: 'remove', before: entry.compiled.rule });
      return true;
    }
    return false;
  }

  /** Rules held but missing from a table listing that started at `listedAt` (lost tombstones). */
  absentFrom(present: ReadonlySet<string>, listedAt: number): Rule[] {
    const absent: Rule[] = [];
    for (const [tenantId, rules] of this.tenants) {
      for (const [ruleId, entry] of rules) {
        if (entry.compiled && entry.appliedAt < listedAt && !present.has(`${tenantId}:${ruleId}`)) absent.push(entry.compiled.rule);
      }
    }
    return absent;
  }

  get(tenantId: string, ruleId: string): CompiledRule | undefined {
    return this.tenants.get(tenantId)?.get(ruleId)?.compiled;
  }

  version(tenantId: string, ruleId: string): number | undefined {
    return this.tenants.get(tenantId)?.get(ruleId)?.version;
  }

  /** Active rules of a tenant. */
  active(tenantId: string): CompiledRule[] {
    const out: CompiledRule[] = [];
    for (const entry of this.tenants.get(tenantId)?.values() ?? []) if (entry.compiled?.rule.status === 'ACTIVE') out.push(entry.compiled);
    return out;
  }

  /** Rule minutes of history a device of the tenant needs. */
  windowMinutes(tenantId: string): number {
    return historyWindowMinutes(this.active(tenantId));
  }

  needsTimers(tenantId: string): boolean {
    return this.active(tenantId).some(needsTimer);
  }

  size(): number {
    let n = 0;
    for (const rules of this.tenants.values()) for (const entry of rules.values()) if (entry.compiled) n += 1;
    return n;
  }

  private tenant(tenantId: string): Map<string, Entry> {
    let rules = this.tenants.get(tenantId);
    if (!rules) {
      rules = new Map();
      this.tenants.set(tenantId, rules);
    }
    return rules;
  }

  private emit(change: RuleBookChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
