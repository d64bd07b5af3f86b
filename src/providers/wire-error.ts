/** An error Warden answers in a provider's wire format; each provider folder shapes the body. */
export interface WireErrorInput {
  status: number;
  message: string;
  code: string;
  param?: string | null;
  /** Warden's decision record (snake_case), when a decision was made. */
  warden?: object;
  requestId: string;
}
