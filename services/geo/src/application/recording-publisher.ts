import type { OutgoingTransition, TransitionLog, TransitionPublisher } from './ports';

/**
 * Every transition goes to geo's transition log first, then to Kafka: the same order as the
 * state write after them (commitChanges), so a crash in between replays both, idempotently.
 */
export class RecordingTransitionPublisher implements TransitionPublisher {
  constructor(
    private readonly log: TransitionLog,
    private readonly next: TransitionPublisher,
  ) {}

  async publish(transitions: readonly OutgoingTransition[]): Promise<void> {
    if (transitions.length === 0) return;
    await this.log.record(transitions);
    await this.next.publish(transitions);
  }
}
