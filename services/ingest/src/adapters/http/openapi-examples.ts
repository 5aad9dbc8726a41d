/** An OpenAPI response example of the API error body (`code`, `message`, `errors`). */
export const errorExample = (code: string, message: string, errors?: unknown[]) => ({ schema: { example: { code, message, ...(errors ? { errors } : {}) } } });
