import { containerComponentDefinition } from '../containers/container-components';
import type { HarnessBackend } from '../harness';
import type { ComponentDefinition, ComponentName } from './component';
import { dynamoDbComponent } from './dynamodb.component';
import { jaegerComponent } from './jaeger.component';
import { kafkaComponent } from './kafka.component';
import { mosquittoComponent } from './mosquitto.component';
import { redisComponent } from './redis.component';
import { smtpSinkComponent } from './smtp-sink.component';

const definitions: Record<ComponentName, ComponentDefinition> = {
  kafka: kafkaComponent,
  dynamodb: dynamoDbComponent,
  redis: redisComponent,
  mosquitto: mosquittoComponent,
  smtp: smtpSinkComponent,
  jaeger: jaegerComponent,
};

export function componentDefinition(name: ComponentName, backend: HarnessBackend = 'processes'): ComponentDefinition {
  return backend === 'containers' ? containerComponentDefinition(name) : definitions[name];
}
