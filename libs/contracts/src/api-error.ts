/** The error body every geopulse HTTP API answers with (4xx and 5xx). */
export interface ApiErrorBody {
  /** Machine-readable code, e.g. `INVALID_READING`, `UNAUTHENTICATED`. */
  code: string;
  message: string;
  /** Every offending item, when the error is about input. */
  errors?: Array<{ index?: number; path: string; message: string }>;
  /** 401: the JWT claim at fault (`exp`, `sub`, `tenant`, `iat`). */
  claim?: string;
  /** 403: the action the token's roles do not grant, e.g. `rule:write`. */
  action?: string;
}
