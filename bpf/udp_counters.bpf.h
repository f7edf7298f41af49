/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UDP per service port. Datagrams are counted at packet level by the
 * cgroup_skb programs on the root of the cgroup v2 hierarchy: ingress (the
 * SYN counter's program, syn_counters.bpf.h) runs in udp_queue_rcv_one_skb()
 * after the socket lookup, for every datagram that reached a socket, before
 * the receive buffer check; egress runs in ip_finish_output() for every
 * datagram a socket sends, before fragmentation. Drops and datagrams to closed
 * ports come from the skb:kfree_skb tracepoint, which runs only for dropped
 * packets and names the kernel's drop reason and the receiving socket.
 *
 * Per datagram: two array lookups (port_slot, port_counters), no hash map,
 * and no per-workload cell (UDP counts at the port slot, workload "other").
 */
#ifndef SE_UDP_COUNTERS_BPF_H
#define SE_UDP_COUNTERS_BPF_H

#define IPPROTO_UDP 17
#define TCP_STATE_ESTABLISHED 1
#define TCP_STATE_CLOSE 7

/*
 * The service port of a datagram between local port lport and peer port
 * peer: the local port, unless it is ephemeral and the peer's is not (a
 * client talking to a server). Slots are handed out only for ports outside
 * the ephemeral range, as for TCP connects.
 */
static __always_inline __u32 udp_service_slot(__u32 lport, __u32 peer, __u32 *dir)
{
	if (is_ephemeral(lport) && peer && !is_ephemeral(peer)) {
		*dir = SE_DIR_OUTBOUND;
		return port_to_slot(peer, true);
	}
	*dir = SE_DIR_INBOUND;
	return port_to_slot(lport, !is_ephemeral(lport));
}

/* A full UDP socket: reading sk_protocol is safe only for full sockets, and
 * UDP sockets are only ever unconnected (CLOSE) or connected (ESTABLISHED);
 * request and time-wait sockets have other states. */
static __always_inline bool is_udp_sock(const struct sock *sk)
{
	__u8 state = sk->__sk_common.skc_state;

	return (state == TCP_STATE_CLOSE || state == TCP_STATE_ESTABLISHED) &&
	       sk->sk_protocol == IPPROTO_UDP;
}

/* The UDP header of a cgroup_skb packet (data starts at the IP header), or
 * NULL where it is not in the linear part. */
static __always_inline struct udphdr *cg_udp_header(struct __sk_buff *skb,
						    const struct sk_buff *kskb, __u32 *hdr_len)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 off = (__u16)(kskb->transport_header - kskb->network_header);
	struct udphdr *uh;

	barrier_var(off); /* bound the register the pointer is built from */
	if (off > 128)
		return NULL;
	uh = data + off;
	if ((void *)(uh + 1) > end)
		return NULL;
	*hdr_len = off + sizeof(*uh);
	return uh;
}

/* Datagrams (more than one for a GSO or GRO packet) and payload bytes. */
static __always_inline void udp_sizes(struct __sk_buff *skb, __u32 hdr_len, __u64 *n,
				      __u64 *bytes)
{
	*n = skb->gso_segs ? skb->gso_segs : 1;
	*bytes = skb->len > hdr_len ? skb->len - hdr_len : 0;
}

/* From syn_ingress: a datagram that reached UDP socket sk. Ingress runs in
 * softirq only, so plain adds (port_slots.bpf.h). */
static __always_inline void udp_ingress(struct __sk_buff *skb, const struct sk_buff *kskb,
					const struct sock *sk)
{
	struct se_port_counters *c;
	__u32 hdr_len = 0, peer = 0, dir, slot;
	struct udphdr *uh;
	__u64 n, bytes;

	if (!in_scope(sk))
		return;
	uh = cg_udp_header(skb, kskb, &hdr_len);
	if (uh)
		peer = bpf_ntohs(uh->source);
	slot = udp_service_slot(sk->__sk_common.skc_num, peer, &dir);
	c = slot_counters(slot);
	if (!c)
		return;
	udp_sizes(skb, hdr_len, &n, &bytes);
	SE_INC(c->udp_received_datagrams[dir & 1], n);
	SE_INC(c->udp_received_bytes[dir & 1], bytes);
}

/*
 * The service slot of a send by UDP socket sk: connected sockets know their
 * peer's port; an unconnected socket on an ephemeral port (a client using
 * sendto()) does not keep the destination, so its sends count as outbound at
 * "other".
 */
static __always_inline __u32 udp_send_slot(const struct sock *sk, __u32 *dir)
{
	__u32 lport = sk->__sk_common.skc_num, peer = 0;

	if (sk->__sk_common.skc_state == TCP_STATE_ESTABLISHED)
		peer = bpf_ntohs(sk->__sk_common.skc_dport);
	if (is_ephemeral(lport) && !peer) {
		*dir = SE_DIR_OUTBOUND;
		return SE_SLOT_OTHER;
	}
	return udp_service_slot(lport, peer, dir);
}

/*
 * Every sendmsg() on any socket, after the protocol's sendmsg returned ret
 * (bytes taken, or an error); UDP sockets only count. Runs once per message
 * of a sendmmsg(), in process context, never for the packets of other
 * protocols: sending costs TCP nothing, unlike a cgroup_skb egress program.
 * A send the socket keeps corked (MSG_MORE, UDP_CORK: udp_sock.pending set
 * afterwards) adds its bytes; the datagram counts with the send that releases
 * it. As the kernel's OutDatagrams, a UDP_SEGMENT (GSO) send is one datagram.
 * Per-CPU counters owned by this program: plain adds (port_slots.bpf.h).
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(udp_send, struct sock *sk, int ret, int flags)
{
	struct se_port_counters *c;
	__u32 dir, slot;
	int pending;

	if (ret < 0 || !sk || !is_udp_sock(sk) || !in_scope(sk))
		return 0;
	slot = udp_send_slot(sk, &dir);
	c = slot_counters(slot);
	if (!c)
		return 0;
	SE_INC(c->udp_sent_bytes[dir & 1], ret);
	pending = BPF_CORE_READ((struct udp_sock *)sk, pending);
	if (!pending)
		SE_INC(c->udp_sent_datagrams[dir & 1], 1);
	return 0;
}

/* Ports of the transport header of skb (host order). */
static __always_inline bool skb_ports(const struct sk_buff *skb, __u32 *sport, __u32 *dport)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 off = BPF_CORE_READ(skb, transport_header);
	struct udphdr uh = {};

	if (bpf_probe_read_kernel(&uh, sizeof(uh), head + off))
		return false;
	*sport = bpf_ntohs(uh.source);
	*dport = bpf_ntohs(uh.dest);
	return true;
}

/* The IP protocol of skb (IPv6 without extension headers before it). */
static __always_inline __u32 skb_ip_protocol(const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u8 version = 0, proto = 0;

	if (bpf_probe_read_kernel(&version, 1, head + nh))
		return 0;
	if ((version >> 4) == 4)
		bpf_probe_read_kernel(&proto, 1, head + nh + offsetof(struct iphdr, protocol));
	else
		bpf_probe_read_kernel(&proto, 1, head + nh + offsetof(struct ipv6hdr, nexthdr));
	return proto;
}

#define SE_DROP(name) bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_##name)

/* The se_udp_drop of a kernel drop reason at a UDP socket. */
static __always_inline __u32 udp_drop_kind(__u32 reason)
{
	if (reason == SE_DROP(SOCKET_RCVBUFF))
		return SE_UDP_DROP_RCVBUF;
	if (reason == SE_DROP(PROTO_MEM))
		return SE_UDP_DROP_MEMORY;
	if (reason == SE_DROP(UDP_CSUM))
		return SE_UDP_DROP_CHECKSUM;
	return SE_UDP_DROP_OTHER;
}

/* A UDP datagram for a port with no socket (UdpNoPorts; the kernel answers
 * ICMP port unreachable, rate-limited): counted, and an event for the
 * port-scan detector. */
static __always_inline void udp_no_socket(const struct sk_buff *skb)
{
	struct se_port_counters *c;
	__u32 sport, dport;

	if (netns_ino && skb_netns_ino(skb) != netns_ino)
		return;
	if (skb_ip_protocol(skb) != IPPROTO_UDP || !skb_ports(skb, &sport, &dport))
		return;
	c = slot_counters(port_to_slot(dport, false));
	if (c)
		SE_INC(c->udp_no_socket, 1);
	closed_port_event(skb, SE_EV_UDP_CLOSED_PORT);
}

/*
 * Dropped packets. With a receiving socket (rx_sk, v6.11+), a UDP socket's
 * drops count at its service port. Without one (before v6.11, or a bad
 * checksum found before the lookup or when the application reads), a UDP
 * datagram's drop for a full queue, UDP memory or its checksum counts at the
 * datagram's ports.
 */
static __always_inline int skb_dropped(struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct se_port_counters *c;
	__u32 sport = 0, dport = 0, lport, dir, kind;

	if (!skb)
		return 0;
	if (reason == SE_DROP(NO_SOCKET)) {
		if (!rx_sk)
			udp_no_socket(skb);
		return 0;
	}
	kind = udp_drop_kind(reason);
	if (rx_sk) {
		if (!is_udp_sock(rx_sk) || !in_scope(rx_sk))
			return 0;
		skb_ports(skb, &sport, &dport);
		lport = rx_sk->__sk_common.skc_num;
	} else {
		if (kind == SE_UDP_DROP_OTHER || skb_ip_protocol(skb) != IPPROTO_UDP)
			return 0;
		if (netns_ino && (!skb->dev || skb_netns_ino(skb) != netns_ino))
			return 0;
		if (!skb_ports(skb, &sport, &dport))
			return 0;
		lport = dport;
	}
	c = slot_counters(udp_service_slot(lport, sport, &dir));
	if (c)
		SE_INC(c->udp_drops[kind & (SE_UDP_DROP_COUNT - 1)], 1);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(skb_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return skb_dropped(skb, reason, rx_sk);
}

/* The same for kernels whose kfree_skb has no rx_sk (v5.17 to v6.10); the
 * exporter loads one of the two. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(skb_drop_no_rx_sk, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return skb_dropped(skb, reason, NULL);
}

#endif /* SE_UDP_COUNTERS_BPF_H */
