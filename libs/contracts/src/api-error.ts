/** The error body every geopulse HTTP API answers with (4xx and 5xx). */
export interface ApiErrorBody {
  /** Machine-readable code, e.g. `INVALID_READING`, `UNAUTHENTICATED`. */
  code: string;
  message: string;
  /** Every offending item, when the error is about input. */
  errors?: Array<{ index?: number; path: string; message: string }>;
}
