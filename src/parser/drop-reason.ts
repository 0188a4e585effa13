// Kernel drop reasons (enum skb_drop_reason, named without the SKB_DROP_REASON_ prefix)
// mapped onto Hubble's DropReason enum, which holds Cilium's datapath reasons (130 and up).
// A kernel reason is mapped only where a Hubble reason means the same thing; everything
// else is DROP_REASON_UNKNOWN, and the kernel's own name always travels in `Summary` so
// nothing is lost in the mapping.

export type HubbleDropReason =
  | 'DROP_REASON_UNKNOWN'
  | 'INVALID_SOURCE_MAC'
  | 'INVALID_SOURCE_IP'
  | 'POLICY_DENIED'
  | 'INVALID_PACKET_DROPPED'
  | 'UNSUPPORTED_L3_PROTOCOL'
  | 'UNKNOWN_L4_PROTOCOL'
  | 'UNKNOWN_L3_TARGET_ADDRESS'
  | 'INVALID_IPV6_EXTENSION_HEADER'
  | 'FIB_LOOKUP_FAILED'
  | 'SOCKET_LOOKUP_FAILED'
  | 'INVALID_VNI';

// Enum numbers from flow.proto (upstream cilium api/v1/flow/flow.proto).
export const HUBBLE_DROP_REASON_NUMBERS: Readonly<Record<HubbleDropReason, number>> = {
  DROP_REASON_UNKNOWN: 0,
  INVALID_SOURCE_MAC: 130,
  INVALID_SOURCE_IP: 132,
  POLICY_DENIED: 133,
  INVALID_PACKET_DROPPED: 134,
  UNSUPPORTED_L3_PROTOCOL: 139,
  UNKNOWN_L4_PROTOCOL: 142,
  UNKNOWN_L3_TARGET_ADDRESS: 150,
  INVALID_IPV6_EXTENSION_HEADER: 156,
  FIB_LOOKUP_FAILED: 169,
  SOCKET_LOOKUP_FAILED: 178,
  INVALID_VNI: 183,
};

export const KERNEL_TO_HUBBLE_DROP_REASON: ReadonlyMap<string, HubbleDropReason> = new Map([
  // Nobody listens on the destination port (UDP to a closed port, TCP without a listener).
  ['NO_SOCKET', 'SOCKET_LOOKUP_FAILED'],
  // Dropped by a filtering policy: netfilter, IPsec policy, cgroup BPF, an LSM.
  ['NETFILTER_DROP', 'POLICY_DENIED'],
  ['XFRM_POLICY', 'POLICY_DENIED'],
  ['BPF_CGROUP_EGRESS', 'POLICY_DENIED'],
  ['SECURITY_HOOK', 'POLICY_DENIED'],
  // Source validation failed.
  ['IP_RPFILTER', 'INVALID_SOURCE_IP'],
  ['IP_INVALID_SOURCE', 'INVALID_SOURCE_IP'],
  ['IP_LOCAL_SOURCE', 'INVALID_SOURCE_IP'],
  ['MAC_INVALID_SOURCE', 'INVALID_SOURCE_MAC'],
  // Headers too short, inconsistent or with a bad checksum.
  ['PKT_TOO_SMALL', 'INVALID_PACKET_DROPPED'],
  ['HDR_TRUNC', 'INVALID_PACKET_DROPPED'],
  ['IP_INHDR', 'INVALID_PACKET_DROPPED'],
  ['IP_CSUM', 'INVALID_PACKET_DROPPED'],
  ['TCP_CSUM', 'INVALID_PACKET_DROPPED'],
  ['UDP_CSUM', 'INVALID_PACKET_DROPPED'],
  ['ICMP_CSUM', 'INVALID_PACKET_DROPPED'],
  ['SKB_CSUM', 'INVALID_PACKET_DROPPED'],
  ['TCP_FLAGS', 'INVALID_PACKET_DROPPED'],
  // No handler for the L3 protocol (EtherType), or IPv6 turned off.
  ['UNHANDLED_PROTO', 'UNSUPPORTED_L3_PROTOCOL'],
  ['IPV6DISABLED', 'UNSUPPORTED_L3_PROTOCOL'],
  // No handler for the IP protocol.
  ['IP_NOPROTO', 'UNKNOWN_L4_PROTOCOL'],
  // Destination address invalid or not ours.
  ['IP_INADDRERRORS', 'UNKNOWN_L3_TARGET_ADDRESS'],
  ['IP_INVALID_DEST', 'UNKNOWN_L3_TARGET_ADDRESS'],
  ['IPV6_BAD_EXTHDR', 'INVALID_IPV6_EXTENSION_HEADER'],
  // No route.
  ['IP_OUTNOROUTES', 'FIB_LOOKUP_FAILED'],
  ['IP_INNOROUTES', 'FIB_LOOKUP_FAILED'],
  ['VXLAN_VNI_NOT_FOUND', 'INVALID_VNI'],
]);

export interface DropReasonInfo {
  /** Hubble's enum name, for `drop_reason_desc`. */
  readonly desc: HubbleDropReason;
  /** The same as a number, for the deprecated `drop_reason` and `event_type.sub_type`. */
  readonly number: number;
  /** The kernel's own name, e.g. NO_SOCKET; `REASON_<n>` when the kernel did not name it. */
  readonly kernelName: string;
}

/** Resolves kernel reason values once each, from the names the running kernel reports. */
export class DropReasonMapper {
  private readonly resolved = new Map<number, DropReasonInfo>();

  constructor(private readonly kernelNames: ReadonlyMap<number, string>) {}

  resolve(kernelReason: number): DropReasonInfo {
    let info = this.resolved.get(kernelReason);
    if (info === undefined) {
      const kernelName = this.kernelNames.get(kernelReason) ?? `REASON_${kernelReason}`;
      const desc = KERNEL_TO_HUBBLE_DROP_REASON.get(kernelName) ?? 'DROP_REASON_UNKNOWN';
      info = Object.freeze({ desc, number: HUBBLE_DROP_REASON_NUMBERS[desc], kernelName });
      this.resolved.set(kernelReason, info);
    }
    return info;
  }
}
