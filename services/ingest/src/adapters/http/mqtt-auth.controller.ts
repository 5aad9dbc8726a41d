import { timingSafeEqual, createHash } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuthenticateMqttClient, type MqttRefusal } from '../../application/authenticate-mqtt-client';
import { mqttRefusals } from '../mqtt/mqtt-refusals';
import { MQTT_AUTH_SECRET } from '../../application/tokens';

const digest = (value: string) => createHash('sha256').update(value).digest();

function status(reason: MqttRefusal): number {
  switch (reason) {
    case 'DEVICE_DISABLED':
    case 'DEVICE_DELETED':
    case 'WRONG_DEVICE':
      return 403;
    default:
      return 401;
  }
}

/**
 * Asked by the broker's auth plugin (tools/infra/mosquitto-auth, docs/decisions/0103) when a
 * device connects and, every few seconds, while it publishes: 200 lets it in, 401/403 refuse
 * it. Internal: not in the OpenAPI document, answers 404 unless MQTT_AUTH_SECRET is set, and
 * only to `Authorization: Bearer <MQTT_AUTH_SECRET>`. Never logs the password.
 */
@ApiExcludeController()
@Controller('internal/mqtt')
export class MqttAuthController {
  private readonly secret: Buffer | undefined;

  constructor(
    @Inject(AuthenticateMqttClient) private readonly authenticate: AuthenticateMqttClient,
    @Inject(MQTT_AUTH_SECRET) secret: string | null,
  ) {
    this.secret = secret ? digest(secret) : undefined;
  }

  @Post('authenticate')
  @HttpCode(200)
  async check(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<{ ok: true }> {
    if (!this.secret) throw new HttpException({ code: 'NOT_FOUND', message: 'MQTT auth is not enabled on this replica' }, 404);
    const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.secret)) {
      throw new HttpException({ code: 'INVALID_TOKEN', message: 'send the broker\'s shared secret as "Authorization: Bearer <secret>"' }, 401);
    }
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { username, password } = fields;
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new HttpException({ code: 'INVALID_REQUEST', message: 'expected {"username": string, "password": string}' }, 400);
    }
    const verdict = await this.authenticate.execute(username, password).catch(() => {
      throw new HttpException({ code: 'UNAVAILABLE', message: 'the device registry did not answer' }, 503);
    });
    if (!verdict.ok) {
      mqttRefusals.inc({ reason: verdict.reason });
      throw new HttpException({ code: verdict.reason, message: verdict.message }, status(verdict.reason));
    }
    return { ok: true };
  }
}
