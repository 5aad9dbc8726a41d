import { describeRequirement, describeResourceRequirement, isAction } from './access-policy';
import { ACTION_EXTENSION, DECIDED_PER_RESOURCE } from './required-action';

interface DocumentedOperation {
  description?: string;
  [extension: `x-${string}`]: unknown;
}

interface OpenApiPaths {
  paths: object;
}

/**
 * Appends "Requires `rule:write`: ... role operator or admin ..." to the description of every
 * operation that declares an action, so the OpenAPI text follows the declaration and the role
 * table, never a hand-written copy. Returns the document for chaining.
 */
export function describeRequiredActions<D extends OpenApiPaths>(document: D): D {
  for (const operations of Object.values(document.paths as Record<string, object>)) {
    for (const candidate of Object.values(operations as Record<string, unknown>)) {
      if (typeof candidate !== 'object' || candidate === null) continue;
      const operation = candidate as DocumentedOperation;
      const action = operation[ACTION_EXTENSION];
      if (typeof action !== 'string' || !isAction(action)) continue;
      const requirement = operation[DECIDED_PER_RESOURCE] === true ? describeResourceRequirement(action) : describeRequirement(action);
      operation.description = operation.description ? `${operation.description}\n\n${requirement}` : requirement;
    }
  }
  return document;
}
