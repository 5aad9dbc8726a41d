import { AddressAllowList } from '../domain/url-policy';
import { MemorySubscriptions } from '../test-support/fakes';
import type { DeliverNotifications } from './deliver-notifications';
import { ManageSubscriptions } from './manage-subscriptions';

const body = (name: string) => ({ name, filter: { types: ['alert.start'] }, channel: { type: 'email', to: ['ops@example.com'] } });

describe('ManageSubscriptions tenant limit', () => {
  it('refuses a subscription past the limit, naming the setting; other tenants are unaffected and a removal makes room', async () => {
    const repo = new MemorySubscriptions();
    // No webhook here: neither the resolver nor the delivery is reached.
    const manage = new ManageSubscriptions(repo, async () => [], new AddressAllowList([]), {} as DeliverNotifications, () => Date.now(), 2);
    const first = await manage.create('t1', body('a'), 'alice');
    await manage.create('t1', body('b'), 'alice');
    await expect(manage.create('t1', body('c'), 'alice')).rejects.toMatchObject({
      code: 'TENANT_LIMIT_REACHED',
      message: expect.stringContaining('limit of 2 subscriptions (NOTIFIER_MAX_SUBSCRIPTIONS_PER_TENANT)'),
    });
    await expect(manage.create('t2', body('c'), 'bob')).resolves.toMatchObject({ tenantId: 't2' });
    await manage.remove('t1', first.id);
    await expect(manage.create('t1', body('c'), 'alice')).resolves.toMatchObject({ name: 'c' });
  });
});
