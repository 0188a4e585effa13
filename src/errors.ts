// The one catalogue of flowlens errors: a stable code per error, documented in the README
// (test/errors.test.ts keeps the two in step). Throw `new FlowlensError(code, detail)`.

export const ERROR_CATALOGUE = {
  FL_CONFIG_INVALID: 'a configuration value is invalid (every problem is listed)',
  FL_CONFIG_FILE: 'the configuration file cannot be read or is not valid YAML',
  FL_TRACER_UNAVAILABLE: 'capture.mode=tracer was requested but eBPF cannot be used here',
  FL_NO_CAPTURE: 'neither eBPF nor AF_PACKET capture is usable here',
  FL_NATIVE_LOAD: 'the native library cannot be loaded (run the set-up)',
  FL_NATIVE_CALL: 'a native call failed; the detail names the kernel feature and errno',
  FL_INTERFACE: 'an interface cannot be attached or released',
  FL_TLS_FILES: 'a TLS certificate, key or CA file cannot be read or is invalid',
  FL_PEERS_FILE: 'the static peers file cannot be read or is invalid',
  FL_BAD_REQUEST: 'a gRPC request is invalid',
  FL_LISTEN: 'a listener cannot be started',
  FL_CERTS: 'certificates cannot be generated',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class FlowlensError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'FlowlensError';
    this.code = code;
  }
}

export function isFlowlensError(err: unknown, code?: ErrorCode): err is FlowlensError {
  return err instanceof FlowlensError && (code === undefined || err.code === code);
}
