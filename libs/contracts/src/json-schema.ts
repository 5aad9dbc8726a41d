/**
 * Request bodies are described once, as JSON Schema: the same object is the OpenAPI schema of the
 * route (`@ApiBody({ schema })`) and, compiled here by Ajv, the structural check of the body
 * (types, required fields, unknown fields, lengths, patterns, enums). What a schema cannot say
 * (an expression that compiles, a ring that closes) stays in the domain's own checks.
 */
import Ajv, { type ErrorObject } from 'ajv';
import type { ErrorIssue } from './api-error';

/** A JSON Schema object (draft-07, as OpenAPI 3.0 tooling reads it). */
export type JsonSchema = Record<string, unknown>;

// `discriminator`: a oneOf of object variants chosen by one property (OpenAPI's discriminator), so
// a bad variant reports its own problems instead of every branch's.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true });
// OpenAPI's annotation keywords, legal in our schemas and ignored by validation.
ajv.addKeyword({ keyword: 'example' });

/** A JSON pointer token: `~` and `/` escaped (RFC 6901). */
const pointerToken = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

function issueOf(error: ErrorObject): ErrorIssue | undefined {
  const params = error.params as Record<string, unknown>;
  // A property name that breaks `propertyNames`: named by its own path (the summary error is dropped).
  if (error.keyword === 'propertyNames') return undefined;
  if (error.propertyName !== undefined) return { path: `${error.instancePath}/${pointerToken(error.propertyName)}`, message: `is not an allowed name: ${error.message ?? ''}`.trim() };
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${pointerToken(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${error.instancePath}/${pointerToken(String(params.additionalProperty))}`, message: 'is not a known field' };
    case 'discriminator':
      return { path: `${error.instancePath}/${pointerToken(String(params.tag))}`, message: params.error === 'tag' ? 'is required and must be a string' : 'is not one of the allowed values' };
    case 'const':
      return { path: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'enum':
      return { path: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { path: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Compiles `schema` once; the returned check lists every problem of a value, one per path. */
export function schemaCheck(schema: JsonSchema): (value: unknown) => ErrorIssue[] {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    const seen = new Set<string>();
    const issues: ErrorIssue[] = [];
    for (const error of validate.errors ?? []) {
      const issue = issueOf(error);
      if (!issue || seen.has(issue.path)) continue;
      seen.add(issue.path);
      issues.push(issue);
    }
    return issues;
  };
}
