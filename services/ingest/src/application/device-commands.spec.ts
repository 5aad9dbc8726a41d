import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from '@geopulse/auth';
import { CommandError } from '../domain/command-error';
import type { CommandPayload } from '../domain/command';
import { MemoryCommandRepository, MemoryRepository } from '../test-support/fakes';
import { DeviceCommands } from './device-commands';
import type { CommandChannel, TenantSettings } from './ports';
import { ManageTenantSettings } from './tenant-settings';

class RecordingAuthorizer implements Authorizer {
  requests: AuthorizationRequest[] = [];
  decision: AuthorizationDecision = { allowed: true, policyIds: ['p-allow'], errors: [] };
  async isAuthorized(request: AuthorizationRequest) {
    this.requests.push(request);
    return this.decision;
  }
}

class FakeChannel implements CommandChannel {
  enabled = true;
  subscribed = true;
  sent: CommandPayload[] = [];
  async deliver(_t: string, _d: string, payload: CommandPayload) {
    this.sent.push(payload);
    return this.subscribed ? ('delivered' as const) : ('no-subscriber' as const);
  }
}

function setup() {
  let now = Date.parse('2026-07-01T13:05:00.000Z');
  const clock = () => now;
  const devices = new MemoryRepository();
  const zones = new Map<string, TenantSettings>();
  const tenants = new ManageTenantSettings({ get: async (t) => zones.get(t), put: async (s) => void zones.set(s.tenantId, s) }, clock);
  const commands = new MemoryCommandRepository();
  const authorizer = new RecordingAuthorizer();
  const channel = new FakeChannel();
  const settings = { retryMs: 10_000, deliverTimeoutMs: 1000 };
  const replica = () => new DeviceCommands(devices, commands, tenants, authorizer, channel, settings, clock);
  void devices.save({ tenantId: 'acme', deviceId: 'thermo', name: 'thermo', tags: ['hvac'], attributes: {}, enabled: true, owner: 'olivia', createdAt: '', updatedAt: '', keys: [], version: 1 }, null);
  return { use: replica(), replica, commands, authorizer, channel, tenants, advance: (ms: number) => (now += ms) };
}

const guest = { sub: 'gary', tenant: 'acme', roles: ['guest'] };

describe('sending device commands', () => {
  it('asks the authorizer with the device, the command and the tenant\'s local time', async () => {
    const { use, authorizer, tenants } = setup();
    await tenants.put('acme', { timeZone: 'Europe/Amsterdam' }, 'admin');
    const command = await use.send(guest, 'thermo', { name: 'setTemperature', args: { value: 74, unit: 'F' } });
    expect(authorizer.requests).toEqual([
      {
        principal: { type: 'User', id: 'gary', tenant: 'acme', roles: ['guest'] },
        action: 'command:send',
        resource: { type: 'Device', id: 'thermo', tenant: 'acme', owner: 'olivia', tags: ['hvac'] },
        context: { command: { name: 'setTemperature', args: { value: 74, unit: 'F' } }, localTime: { hour: 15, minute: 5, dayOfWeek: 'Wed', timeZone: 'Europe/Amsterdam' } },
      },
    ]);
    expect(command).toMatchObject({ status: 'delivered', policyIds: ['p-allow'], issuedBy: 'gary', expiresAt: '2026-07-01T13:10:00.000Z' });
  });

  it('refuses a denied command naming the deciding policies, and stores nothing', async () => {
    const { use, authorizer, commands, channel } = setup();
    authorizer.decision = { allowed: false, policyIds: ['guest-range'], errors: [] };
    const err = await use.send(guest, 'thermo', { name: 'setTemperature', args: { value: 80 } }).catch((e: CommandError) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect([(err as CommandError).code, (err as CommandError).policyIds]).toEqual(['COMMAND_FORBIDDEN', ['guest-range']]);
    expect(commands.items.size).toBe(0);
    expect(channel.sent).toEqual([]);
  });

  it('looks the device up first, then authorizes (an invalid body as the empty command), then validates', async () => {
    const { use, authorizer, commands } = setup();
    await expect(use.send(guest, 'nope', { name: 'x' })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(use.send({ ...guest, tenant: 'other' }, 'thermo', { name: 'x' })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(authorizer.requests).toEqual([]);
    await expect(use.send(guest, 'thermo', { name: '1 bad', args: { value: 99 } })).rejects.toMatchObject({ code: 'INVALID_COMMAND', issues: [{ path: '/name' }] });
    expect(authorizer.requests.map((r) => r.context?.command)).toEqual([{ name: '', args: {} }]);
    authorizer.decision = { allowed: false, policyIds: [], errors: [] };
    await expect(use.send(guest, 'thermo', { name: '1 bad' })).rejects.toMatchObject({ code: 'COMMAND_FORBIDDEN' });
    expect(commands.items.size).toBe(0);
  });

  it('keeps it queued without a subscriber; one of two replicas retries it when due; it expires once', async () => {
    const { use, replica, channel, advance, commands } = setup();
    channel.subscribed = false;
    const sent = await use.send(guest, 'thermo', { name: 'ping', ttlSeconds: 25 });
    expect(sent.status).toBe('queued');
    advance(5000);
    expect(await use.sweep()).toEqual({ expired: 0, retried: 0, delivered: 0 });
    advance(5000);
    channel.subscribed = true;
    const [a, b] = await Promise.all([use.sweep(), replica().sweep()]);
    expect(a.retried + b.retried).toBe(1);
    expect(channel.sent.length).toBe(2);
    expect(await commands.get('acme', 'thermo', sent.commandId)).toMatchObject({ status: 'delivered', attempts: 2 });
    advance(15_000);
    const [x, y] = await Promise.all([use.sweep(), replica().sweep()]);
    expect(x.expired + y.expired).toBe(1);
    expect(await commands.get('acme', 'thermo', sent.commandId)).toMatchObject({ status: 'expired' });
  });

  it('records an ack of the topic\'s device once, and ignores unknown, malformed and late ones', async () => {
    const { use, advance, commands } = setup();
    const sent = await use.send(guest, 'thermo', { name: 'ping', ttlSeconds: 5 });
    expect(await use.acknowledge('acme', 'other-device', JSON.stringify({ commandId: sent.commandId }))).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_COMMAND' });
    expect(await use.acknowledge('acme', 'thermo', '{oops')).toMatchObject({ kind: 'ignored', reason: 'MALFORMED_ACK' });
    expect(await use.acknowledge('acme', 'thermo', JSON.stringify({ commandId: sent.commandId, status: 'error', detail: 'jammed' }))).toEqual({ kind: 'acknowledged', commandId: sent.commandId });
    expect(await use.acknowledge('acme', 'thermo', JSON.stringify({ commandId: sent.commandId }))).toMatchObject({ kind: 'ignored' });
    expect(await commands.get('acme', 'thermo', sent.commandId)).toMatchObject({ status: 'acknowledged', result: { status: 'error', detail: 'jammed' } });
    const late = await use.send(guest, 'thermo', { name: 'ping', ttlSeconds: 1 });
    advance(2000);
    await use.sweep();
    expect(await use.acknowledge('acme', 'thermo', JSON.stringify({ commandId: late.commandId }))).toMatchObject({ kind: 'ignored' });
    expect(await commands.get('acme', 'thermo', late.commandId)).toMatchObject({ status: 'expired' });
  });
});
