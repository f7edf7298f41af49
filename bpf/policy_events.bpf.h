/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rare events and connection policy. Segments to closed ports and policy
 * findings go to userspace through a ring buffer (the only per-event
 * userspace work); a full ring drops the event and counts the loss.
 * Policy findings are also counted per port slot here, so their counts are
 * exact even when events are lost.
 */
#ifndef SE_POLICY_EVENTS_BPF_H
#define SE_POLICY_EVENTS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SE_EVENTS_RING_BYTES);
} events SEC(".maps");

/* Events the ring could not take, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} events_lost SEC(".maps");

/* SE_POLICY_* bits, written by userspace at load and on reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} policy_flags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SE_POLICY_MAX_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct se_lpm_key);
	__type(value, __u8);
} deny_src SEC(".maps"), deny_dst SEC(".maps");

/* 1 for remote ports outbound connects may use (when SE_POLICY_EGRESS). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SE_PORT_COUNT);
	__type(key, __u32);
	__type(value, __u8);
} egress_allowed SEC(".maps");

/* 1 for ports listeners may use (when SE_POLICY_LISTEN). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SE_PORT_COUNT);
	__type(key, __u32);
	__type(value, __u8);
} listen_allowed SEC(".maps");

static __always_inline __u32 policy_active(void)
{
	__u32 zero = 0, *flags = bpf_map_lookup_elem(&policy_flags, &zero);

	return flags ? *flags : 0;
}

static __always_inline void count_lost_event(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&events_lost, &zero);

	if (lost)
		*lost += 1;
}

static __always_inline struct se_event *event_reserve(__u8 kind)
{
	struct se_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost_event();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = bpf_ktime_get_ns();
	e->kind = kind;
	return e;
}

/* Remote and local addresses of a socket into an event (IPv4 in byte 0..3). */
static __always_inline void event_sock_addrs(struct se_event *e, const struct sock *sk)
{
	if (sk->__sk_common.skc_family == AF_INET) {
		e->family = 4;
		__builtin_memcpy(e->saddr, &sk->__sk_common.skc_daddr, 4);
		__builtin_memcpy(e->laddr, &sk->__sk_common.skc_rcv_saddr, 4);
	} else {
		e->family = 6;
		__builtin_memcpy(e->saddr, &sk->__sk_common.skc_v6_daddr, 16);
		__builtin_memcpy(e->laddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
	}
	e->netns = sk->__sk_common.skc_net.net->ns.inum;
	e->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	e->lport = sk->__sk_common.skc_num;
}

/* Whether the socket's remote address is in the trie. */
static __always_inline bool remote_in(void *trie, const struct sock *sk)
{
	struct se_lpm_key key = {.prefixlen = 128};

	if (sk->__sk_common.skc_family == AF_INET) {
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &sk->__sk_common.skc_daddr, 4);
	} else {
		__builtin_memcpy(key.addr, &sk->__sk_common.skc_v6_daddr, 16);
	}
	return bpf_map_lookup_elem(trie, &key) != 0;
}

/* Counts a finding on the slot and sends its event (with the current task
 * for outbound connects, which run in the connecting process). */
static __always_inline void policy_finding(const struct sock *sk, struct se_port_counters *c,
					   __u8 rule, bool with_task)
{
	struct se_event *e;

	if (c)
		SE_INC(c->policy_findings[rule & (SE_RULE_COUNT - 1)], 1);
	e = event_reserve(SE_EV_POLICY);
	if (!e)
		return;
	e->rule = rule;
	event_sock_addrs(e, sk);
	if (with_task) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void check_accept(const struct sock *sk, struct se_port_counters *c)
{
	__u32 flags = policy_active();

	if ((flags & SE_POLICY_DENY_SRC) && remote_in(&deny_src, sk))
		policy_finding(sk, c, SE_RULE_DENIED_SOURCE, false);
}

static __always_inline void check_connect(const struct sock *sk, struct se_port_counters *c,
					  __u32 port)
{
	__u32 flags = policy_active();
	__u8 *allowed;

	if (!flags)
		return;
	if ((flags & SE_POLICY_DENY_DST) && remote_in(&deny_dst, sk))
		policy_finding(sk, c, SE_RULE_DENIED_DESTINATION, true);
	if (flags & SE_POLICY_EGRESS) {
		allowed = bpf_map_lookup_elem(&egress_allowed, &port);
		if (allowed && !*allowed)
			policy_finding(sk, c, SE_RULE_UNEXPECTED_EGRESS, true);
	}
}

/* A socket starts listening (in the task that calls listen()) on a port the
 * policy does not allow: an event with the socket's inode, which userspace
 * uses to count each listener once together with what sock_diag shows. */
static __always_inline void check_listen(const struct sock *sk, __u32 port)
{
	struct se_event *e;
	__u8 *allowed;

	if (!(policy_active() & SE_POLICY_LISTEN))
		return;
	allowed = bpf_map_lookup_elem(&listen_allowed, &port);
	if (!allowed || *allowed)
		return;
	e = event_reserve(SE_EV_POLICY);
	if (!e)
		return;
	event_sock_addrs(e, sk);
	e->rule = SE_RULE_UNEXPECTED_LISTENER;
	e->inode = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* A segment or datagram to a closed port: its addresses from the packet's
 * headers (TCP and UDP keep their ports in the same first four bytes). */
static __always_inline void closed_port_event(const struct sk_buff *skb, __u8 kind)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th_off = BPF_CORE_READ(skb, transport_header);
	struct tcphdr th = {};
	struct se_event *e;
	__u8 version = 0;

	if (bpf_probe_read_kernel(&version, 1, head + nh) ||
	    bpf_probe_read_kernel(&th, sizeof(th), head + th_off))
		return;
	e = event_reserve(kind);
	if (!e)
		return;
	if ((version >> 4) == 4) {
		e->family = 4;
		bpf_probe_read_kernel(e->saddr, 4, head + nh + offsetof(struct iphdr, saddr));
		bpf_probe_read_kernel(e->laddr, 4, head + nh + offsetof(struct iphdr, daddr));
	} else {
		e->family = 6;
		bpf_probe_read_kernel(e->saddr, 16, head + nh + offsetof(struct ipv6hdr, saddr));
		bpf_probe_read_kernel(e->laddr, 16, head + nh + offsetof(struct ipv6hdr, daddr));
	}
	e->netns = skb_netns_ino(skb);
	e->rport = bpf_ntohs(th.source);
	e->lport = bpf_ntohs(th.dest);
	bpf_ringbuf_submit(e, 0);
}

#endif /* SE_POLICY_EVENTS_BPF_H */
