/**
 * CNI error codes and the error type every plugin failure becomes.
 * Codes 0-99 are the spec's (SPEC.md "Error"); Berth's own start at 100 and are listed in docs/errors.md.
 */
import { KernelError, NftError } from '../kernel/errors.js';

export const ErrCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IOFailure: 5,
  DecodeFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  /** STATUS: the plugin cannot handle ADD now. */
  NotAvailable: 50,
  /** STATUS: cannot ADD, and existing attachments may be degraded. */
  NotAvailableDegraded: 51,
  /** A range set has no free address left. */
  RangeExhausted: 100,
  /** An address asked for explicitly (IP=, args.cni.ips, runtimeConfig.ips) cannot be given. */
  AddressUnavailable: 101,
  /** The interface name asked for already exists in the container's namespace. */
  InterfaceExists: 102,
  /** A link of the bridge's name exists and is not a bridge. */
  NotABridge: 103,
  /** A kernel call failed (netlink, sysctl, netns); the message names the call, the object and the errno. */
  KernelFailure: 104,
  /** A delegated plugin could not be found in CNI_PATH or did not answer with CNI JSON. */
  PluginFailure: 105,
  /** A host port is already mapped for the same protocol and host address. */
  PortConflict: 106,
  /** The firewall (nftables) refused Berth's transaction. */
  FirewallFailure: 107,
  /** CHECK found the attachment different from what ADD made. */
  CheckFailed: 108,
  /** dnsmasq (the dnsname plugin's DNS server) could not be started. */
  DnsmasqFailure: 109,
  /** Anything not foreseen; the message says what failed. */
  Internal: 999,
} as const;
export type ErrCode = (typeof ErrCode)[keyof typeof ErrCode];

/** The error object of the CNI spec, as printed on stdout. */
export interface CniErrorResult {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** A failure with a CNI code; `toResult` renders the spec's error object. */
export class CniError extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details = '',
  ) {
    super(msg);
    this.name = 'CniError';
  }

  toResult(cniVersion: string): CniErrorResult {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details && { details: this.details }) };
  }
}

/** Wraps anything thrown into a CniError without wrapping a CniError twice. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof AggregateError) {
    // Several failures (a DEL that kept going): the first one's code, every one listed.
    const inner = err.errors.map(toCniError);
    const all = inner.map((e) => `${e.code}: ${e.message}`).join('; ');
    return new CniError(inner[0]?.code ?? ErrCode.Internal, err.message || inner[0]?.message || 'unexpected failures', all);
  }
  if (err instanceof Error) {
    const code =
      err instanceof NftError
        ? ErrCode.FirewallFailure
        : err instanceof KernelError
          ? ErrCode.KernelFailure
          : (err as { cniCode?: unknown }).cniCode;
    // The spec's error object needs an integer code and a message: never print an empty "msg".
    return new CniError(
      typeof code === 'number' && Number.isInteger(code) ? code : ErrCode.Internal,
      err.message || `unexpected ${err.name}`,
    );
  }
  return new CniError(ErrCode.Internal, String(err) || 'unexpected failure');
}
