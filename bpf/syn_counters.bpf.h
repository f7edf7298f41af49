/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SYNs that reach a listening socket, counted per port at packet level, by one
 * of two programs (the exporter loads the one --probes.syn-hook chooses; see
 * docs/architecture.md, "Counting SYNs"):
 *  - syn_ingress, cgroup_skb ingress on the root of the cgroup v2 hierarchy:
 *    after the kernel's socket lookup, for the sockets of every cgroup below;
 *  - syn_tc_ingress, TC ingress on every interface of one network namespace
 *    (lo included): before the lookup, which it repeats for SYNs only.
 * Both let every packet pass, and both feed the same counters and samples.
 * syn_ingress also counts the datagrams that reach UDP sockets
 * (udp_counters.bpf.h): with the tc hook, UDP datagrams are not counted.
 */
#ifndef SE_SYN_COUNTERS_BPF_H
#define SE_SYN_COUNTERS_BPF_H

/* TC_ACT_UNSPEC: the next filter on the hook, or the default action, decides. */
#define SE_TC_PASS -1

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct se_src_ring);
} syn_sources SEC(".maps");


/* One SYN for the listener on port: its counter and a source sample for the
 * flood detector. */
static __always_inline void record_syn(__u32 port, struct se_src_sample *src)
{
	struct se_port_counters *c;
	struct se_src_ring *ring;
	__u32 zero = 0, slot;

	slot = port_to_slot(port, false);
	c = slot_counters(slot);
	if (c)
		SE_INC(c->syns_received, 1);
	ring = bpf_map_lookup_elem(&syn_sources, &zero);
	if (ring) {
		src->slot = slot;
		ring->s[ring->next & (SE_SRC_RING - 1)] = *src;
		ring->next++;
	}
}

/* The TCP header of an IPv4 or IPv6 packet whose IP header starts at l3, or
 * NULL if it is no TCP or is cut short. Fills the source prefix into *src and,
 * if t is given, the lookup tuple into *t and its size into *t_size. */
static __always_inline struct tcphdr *tcp_header(struct __sk_buff *skb, void *l3, void *end,
						 struct se_src_sample *src,
						 struct bpf_sock_tuple *t, __u32 *t_size)
{
	struct tcphdr *th;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
			return NULL;
		th = (void *)ip + ip->ihl * 4;
		src->prefix[0] = ip->saddr & bpf_htonl(0xffffff00);
		src->family = 4;
		if (t) {
			t->ipv4.saddr = ip->saddr;
			t->ipv4.daddr = ip->daddr;
			*t_size = sizeof(t->ipv4);
		}
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return NULL;
		th = (void *)(ip6 + 1);
		src->prefix[0] = ip6->saddr.in6_u.u6_addr32[0];
		src->prefix[1] = ip6->saddr.in6_u.u6_addr32[1];
		src->family = 6;
		if (t) {
			__builtin_memcpy(t->ipv6.saddr, &ip6->saddr, 16);
			__builtin_memcpy(t->ipv6.daddr, &ip6->daddr, 16);
			*t_size = sizeof(t->ipv6);
		}
	} else {
		return NULL;
	}
	if ((void *)(th + 1) > end)
		return NULL;
	return th;
}

/*
 * cgroup_skb ingress runs in tcp_filter() after the socket lookup, with the
 * listener as skb->sk, for every segment of every socket of every cgroup below
 * the root it is attached to; data starts at the IP header. The socket's state
 * (in sock_common, valid for request and timewait sockets too) rules out
 * ordinary traffic first. Counts whatever happens next (SYN queue, cookie,
 * drop for a full queue).
 */
SEC("cgroup_skb/ingress")
int syn_ingress(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct se_src_sample src = {};
	struct sock *sk = kskb->sk;
	struct tcphdr *th;

	if (!sk)
		return 1;
	if (sk->__sk_common.skc_state != TCP_LISTEN) {
		if (is_udp_sock(sk))
			udp_ingress(skb, kskb, sk);
		return 1;
	}
	if (sk->sk_protocol != IPPROTO_TCP || !in_scope(sk))
		return 1;
	th = tcp_header(skb, (void *)(long)skb->data, (void *)(long)skb->data_end, &src, NULL,
			NULL);
	if (th && th->syn && !th->ack)
		record_syn(sk->__sk_common.skc_num, &src);
	return 1;
}

/*
 * TC ingress runs for every packet an interface of the namespace receives,
 * before IP and TCP: anything but a SYN without ACK leaves after the header
 * checks; a SYN is counted if the namespace's own lookup finds a listener for
 * it (established and time-wait sockets first, then listeners, as TCP does).
 * Data starts at the link-layer header (none on some tunnels: mac_len 0).
 */
SEC("tc")
int syn_tc_ingress(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct se_src_sample src = {};
	struct bpf_sock_tuple t = {};
	__u32 off, t_size = 0, port;
	struct bpf_sock *sk;
	struct tcphdr *th;
	bool listening;

	off = (__u32)kskb->network_header - (__u32)kskb->mac_header;
	if (off > 64)
		return SE_TC_PASS;
	th = tcp_header(skb, data + off, end, &src, &t, &t_size);
	if (!th || !th->syn || th->ack)
		return SE_TC_PASS;
	if (t_size == sizeof(t.ipv4)) {
		t.ipv4.sport = th->source;
		t.ipv4.dport = th->dest;
	} else {
		t.ipv6.sport = th->source;
		t.ipv6.dport = th->dest;
	}
	sk = bpf_skc_lookup_tcp(skb, &t, t_size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return SE_TC_PASS;
	listening = sk->state == BPF_TCP_LISTEN;
	port = sk->src_port;
	bpf_sk_release(sk);
	if (listening)
		record_syn(port, &src);
	return SE_TC_PASS;
}

#endif /* SE_SYN_COUNTERS_BPF_H */
