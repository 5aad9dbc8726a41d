import type { AuthorizationRequest, Authorizer, Principal } from '@geopulse/auth';
import {
  checkCommandRequest,
  commandPayload,
  isCommandId,
  newCommandId,
  parseCommandAck,
  type CommandAck,
  type DeviceCommand,
} from '../domain/command';
import { CommandError } from '../domain/command-error';
import { isDeviceId } from '../domain/device';
import { DeviceError } from '../domain/device-error';
import { localTimeAt } from '../domain/local-time';
import type { CommandChannel, CommandRepository, DeviceRepository } from './ports';
import type { ManageTenantSettings } from './tenant-settings';

/** The caller of the command API: the operator JWT's user. */
export interface CommandCaller {
  sub: string;
  tenant: string;
  roles: readonly string[];
}

export interface CommandSettings {
  /** How long after a publish that found no subscriber (or failed) it is tried again. */
  retryMs: number;
  /** How long a publish may wait for the broker's PUBACK before the command is left to the sweep. */
  deliverTimeoutMs: number;
}

/** What happened to a device's acknowledgement. */
export type AckOutcome = { kind: 'acknowledged'; commandId: string } | { kind: 'ignored'; reason: 'MALFORMED_ACK' | 'UNKNOWN_COMMAND'; detail: string };

const MAX_PAGE = 100;

/**
 * Device commands: authorize with the device, the command and the tenant's local time
 * (the `Authorizer` port: roles today, Cedar policies with issue 13), store, deliver over MQTT,
 * record acknowledgements, retry undelivered ones and expire the rest. Every status change is a
 * conditional write, so any number of replicas can run it (docs/decisions/0106).
 */
export class DeviceCommands {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly commands: CommandRepository,
    private readonly tenants: ManageTenantSettings,
    private readonly authorizer: Authorizer,
    private readonly channel: CommandChannel,
    private readonly settings: CommandSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  async send(caller: CommandCaller, deviceId: string, body: unknown): Promise<DeviceCommand> {
    const { request: checked, issues } = checkCommandRequest(body);
    const device = isDeviceId(deviceId) ? await this.devices.get(caller.tenant, deviceId) : undefined;
    if (!device) throw new DeviceError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
    // Authorization comes before validation: an invalid body is authorized as the empty command
    // (no name, no args), which only a caller who may send any command (a role) is allowed, so
    // the others get 403 and only the former learn what is wrong with it (400).
    const request = checked ?? { name: '', args: {}, ttlSeconds: 0 };
    const now = this.clock();
    const principal: Principal = { type: 'User', id: caller.sub, tenant: caller.tenant, roles: caller.roles };
    const authorization: AuthorizationRequest = {
      principal,
      action: 'command:send',
      resource: { type: 'Device', id: device.deviceId, tenant: device.tenantId, ...(device.owner ? { owner: device.owner } : {}), tags: device.tags },
      context: { command: { name: request.name, args: request.args }, localTime: { ...localTimeAt(now, await this.tenants.timeZone(caller.tenant)) } },
    };
    const decision = await this.authorizer.isAuthorized(authorization);
    if (!decision.allowed) {
      const by = decision.policyIds.length > 0 ? `denied by ${decision.policyIds.join(', ')}` : 'no policy permits it';
      throw new CommandError('COMMAND_FORBIDDEN', `${request.name || 'a command'} on device ${deviceId} is not allowed for ${caller.sub}: ${by}`, [], decision.policyIds);
    }
    if (!checked) throw new CommandError('INVALID_COMMAND', `${issues.length} problem(s) in the command`, issues);
    const command: DeviceCommand = {
      tenantId: caller.tenant,
      deviceId: device.deviceId,
      commandId: newCommandId(now),
      name: request.name,
      args: request.args,
      status: 'queued',
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + request.ttlSeconds * 1000).toISOString(),
      issuedBy: caller.sub,
      policyIds: [...decision.policyIds],
      attempts: 1,
    };
    // Due for a retry should this first attempt not reach the device (or this replica die now).
    await this.commands.create(command, this.nextDue(command, now));
    return this.attempt(command);
  }

  async get(tenantId: string, deviceId: string, commandId: string): Promise<DeviceCommand> {
    const command = isDeviceId(deviceId) && isCommandId(commandId) ? await this.commands.get(tenantId, deviceId, commandId) : undefined;
    if (!command) throw new CommandError('COMMAND_NOT_FOUND', `device ${deviceId} has no command ${commandId}`);
    return command;
  }

  async list(tenantId: string, deviceId: string, limit: number | undefined, cursor: string | undefined): Promise<{ items: DeviceCommand[]; nextCursor?: string }> {
    const device = isDeviceId(deviceId) ? await this.devices.get(tenantId, deviceId) : undefined;
    if (!device) throw new DeviceError('DEVICE_NOT_FOUND', `no device ${deviceId}`);
    const size = Math.min(Math.max(Math.trunc(limit ?? 50) || 50, 1), MAX_PAGE);
    return this.commands.list(tenantId, deviceId, size, cursor);
  }

  /** A message on `devices/<tenant>:<device>/commands/ack`, from that device (the broker and the bridge checked). */
  async acknowledge(tenantId: string, deviceId: string, message: Buffer | string): Promise<AckOutcome> {
    const parsed = parseCommandAck(message);
    if ('problem' in parsed) return { kind: 'ignored', reason: 'MALFORMED_ACK', detail: parsed.problem };
    const ack: CommandAck = parsed.ack;
    if (await this.commands.acknowledge(tenantId, deviceId, ack, new Date(this.clock()).toISOString())) return { kind: 'acknowledged', commandId: ack.commandId };
    return { kind: 'ignored', reason: 'UNKNOWN_COMMAND', detail: `no open command ${ack.commandId} of this device (unknown, another device's, already acknowledged or expired)` };
  }

  /** One pass over due commands: expire those past their ttl, retry queued ones (each claimed by one replica). */
  async sweep(limit = 100): Promise<{ expired: number; retried: number; delivered: number }> {
    const now = this.clock();
    const at = new Date(now).toISOString();
    let expired = 0;
    let retried = 0;
    let delivered = 0;
    for (const command of await this.commands.due(at, limit)) {
      if (Date.parse(command.expiresAt) <= now) {
        if (await this.commands.expire(command, at)) expired++;
        continue;
      }
      if (command.status !== 'queued' || !this.channel.enabled) continue;
      if (!(await this.commands.claimRetry(command, command.dueAt, this.nextDue(command, now)))) continue;
      retried++;
      if ((await this.attempt({ ...command, attempts: command.attempts + 1 })).status === 'delivered') delivered++;
    }
    return { expired, retried, delivered };
  }

  /** Publishes once; a PUBACK for a subscriber moves it to delivered, anything else leaves it queued for the sweep. */
  private async attempt(command: DeviceCommand): Promise<DeviceCommand> {
    if (!this.channel.enabled) return command;
    let outcome: 'delivered' | 'no-subscriber' | 'failed';
    try {
      outcome = await withTimeout(this.channel.deliver(command.tenantId, command.deviceId, commandPayload(command)), this.settings.deliverTimeoutMs);
    } catch {
      outcome = 'failed';
    }
    if (outcome !== 'delivered') return command;
    const at = new Date(this.clock()).toISOString();
    if (await this.commands.markDelivered(command, at)) return { ...command, status: 'delivered', deliveredAt: at };
    // Acknowledged (or expired) in the meantime: the stored record says what happened.
    return (await this.commands.get(command.tenantId, command.deviceId, command.commandId)) ?? command;
  }

  private nextDue(command: DeviceCommand, now: number): string {
    return new Date(Math.min(now + this.settings.retryMs, Date.parse(command.expiresAt))).toISOString();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
