import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** `geopulse-<service>` */
  serviceName: string;
  /** OTLP/HTTP base URL; spans are exported to `<endpoint>/v1/traces`. No export when unset. */
  endpoint?: string;
  /** Ratio of root traces kept; children follow their parent's decision. */
  sampleRatio: number;
  version?: string;
}

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry Node SDK. Call it before the application's modules are loaded
 * (main.ts imports Nest only afterwards) so http, ioredis and the AWS SDK get patched.
 * Kafka context is carried by our own kafka library (see trace-headers.ts), which creates
 * producer/consumer spans per fetched batch and per record, so kafkajs's own instrumentation
 * is not installed: it would double every span.
 */
export function startTracing(options: TracingOptions): void {
  if (sdk) return;
  const spanProcessors: SpanProcessor[] = [];
  if (options.endpoint) {
    const url = `${options.endpoint.replace(/\/$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 }));
  }
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.version ?? '0.1.0',
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
    ],
  });
  sdk.start();
}

/** Flushes pending spans; called on graceful shutdown. */
export async function shutdownTracing(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  await current?.shutdown().catch(() => undefined);
}
