/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Small readers for kernel fields whose meaning or location differs between
 * kernels. Each cites the change it depends on.
 */
#ifndef COMPAT_BPF_H
#define COMPAT_BPF_H

/*
 * View a socket as a tcp_sock. bpf_rdonly_cast() (v6.2, commit a35b9af4ec2c)
 * is inlined by the verifier into a register move, where the helper
 * bpf_skc_to_tcp_sock() is a call; callers pass sockets the tracepoints
 * report for TCP only.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline const struct tcp_sock *as_tcp_sock(const struct sock *sk)
{
	return bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
}

/* The sk_buff behind a cgroup_skb or TC program's context (v6.2): the socket
 * can be read as a plain BTF pointer, without bpf_sk_fullsock() and
 * bpf_skc_to_tcp_sock() calls (about 60 ns per SYN, see docs/benchmarks.md). */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * When the segment that moved a handshake to ESTABLISHED was processed:
 * tcp_rcv_state_process() calls tcp_mstamp_refresh() for TCP_SYN_SENT before
 * tcp_rcv_synsent_state_process() handles the SYN-ACK, and for every later
 * state (TCP_SYN_RECV: a listener's child, or a simultaneous open) before the
 * ACK is processed; both transitions happen only there. tcp_clock_cache is
 * ktime_get_ns() (v4.13+, commit 9a568de4818d; ns since v5.2, commit
 * fb420d5d91c1) — the clock bpf_ktime_get_ns() reads, without the call
 * (about 55 ns on a kvm-clock guest, docs/benchmarks.md).
 */
static __always_inline __u64 handshake_time(const struct sock *sk)
{
	return as_tcp_sock(sk)->tcp_clock_cache;
}

/* Local port of a listener at LISTEN -> CLOSE: inet_num is already released
 * (inet_put_port() runs before the state is stored), inet_sport is not. */
static __always_inline __u32 listener_port(const struct sock *sk)
{
	const struct inet_sock *inet =
		bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_sock));

	return bpf_ntohs(inet->inet_sport);
}

/* The listener's drop counter, sk_drops, which tcp_listendrop() increments.
 * sock_diag's SK_MEMINFO_DROPS (sk_drops_read()) would also add per-NUMA
 * counters where a socket has them (v6.18, sk_drop_counters); those are not
 * summed here. */
static __always_inline __u64 listener_drops(const struct sock *sk)
{
	return (__u32)sk->sk_drops.counter;
}

/* Network namespace inode of a received segment: its device's namespace. */
static __always_inline __u32 skb_netns_ino(const struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
}

/* Destination port of the TCP segment in skb (host order). */
static __always_inline __u32 skb_tcp_dport(const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 off = BPF_CORE_READ(skb, transport_header);
	struct tcphdr th = {};

	if (bpf_probe_read_kernel(&th, sizeof(th), head + off))
		return 0;
	return bpf_ntohs(th.dest);
}

/*
 * The readers below take a tcp_sock from bpf_skc_to_tcp_sock(): plain BTF loads,
 * no helper call per field.
 *
 * Payload bytes sent: tcp_sock.bytes_sent counts data bytes including
 * retransmissions, bytes_retrans the retransmitted ones (both since v4.19,
 * commit ba113c3aa79a and fb31c9b9f6c8). SYN and FIN carry no payload.
 */
static __always_inline __u64 tcp_payload_sent(const struct tcp_sock *tp)
{
	return tp->bytes_sent - tp->bytes_retrans;
}

/*
 * Payload bytes received: tcp_sock.bytes_received (RFC 4898
 * tcpEStatsAppHCThruOctetsReceived, v4.1, commit bdd1f9edacb5) advances with
 * rcv_nxt, which the peer's FIN also advances by one. tcp_fin() marks the
 * socket SOCK_DONE when that FIN arrives; sk_shutdown cannot tell, since
 * close() sets it too.
 */
static __always_inline __u64 tcp_payload_received(const struct tcp_sock *tp)
{
	__u64 n = tp->bytes_received;
	unsigned long flags = tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags;
	int done_bit = bpf_core_enum_value(enum sock_flags, SOCK_DONE);

	if (n && (flags & (1UL << (done_bit & 63))))
		n -= 1;
	return n;
}

/* Segments in a TCP skb (tcp_skb_pcount()): the control block's
 * tcp_gso_segs, read through a cast of skb->cb. */
static __always_inline __u32 tcp_skb_segs(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb =
		bpf_rdonly_cast(skb->cb, bpf_core_type_id_kernel(struct tcp_skb_cb));
	__u32 n = cb->tcp_gso_segs;

	return n ? n : 1;
}

#endif /* COMPAT_BPF_H */
