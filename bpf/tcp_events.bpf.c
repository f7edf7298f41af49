// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP connection lifecycle and resets, aggregated per port in the kernel.
 * Hooks are BTF tracepoints only: no kprobes, no fentry, no tracefs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socket_exporter.h"
#include "port_slots.bpf.h"
#include "conn_state.bpf.h"
#include "workloads.bpf.h"
#include "compat.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ECONNREFUSED 111
#define ETIMEDOUT 110
#define EHOSTUNREACH 113
#define ENETUNREACH 101
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

#include "policy_events.bpf.h"

/* Network namespace inode in scope; 0 means every namespace. */
const volatile __u32 netns_ino = 0;

static __always_inline bool in_scope(const struct sock *sk)
{
	return !netns_ino || sk->__sk_common.skc_net.net->ns.inum == netns_ino;
}

static __always_inline __u32 local_port(const struct sock *sk)
{
	return sk->__sk_common.skc_num;
}

static __always_inline __u32 remote_port(const struct sock *sk)
{
	return bpf_ntohs(sk->__sk_common.skc_dport);
}

static __always_inline __u32 failure_reason(const struct sock *sk)
{
	switch (sk->sk_err) {
	case ECONNREFUSED:
		return SE_FAIL_REFUSED;
	case ETIMEDOUT:
		return SE_FAIL_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return SE_FAIL_UNREACHABLE;
	default:
		return SE_FAIL_OTHER;
	}
}

static __always_inline void on_connect(const struct sock *sk, __u64 now)
{
	__u32 port = remote_port(sk);
	__u32 slot = workload_cell(sk, port_to_slot(port, !is_ephemeral(port)));
	struct se_port_counters *c = slot_counters(slot);
	struct se_sock *s;

	if (c)
		SE_INC(c->connects, 1);
	check_connect(sk, c, port);
	s = conn_start(sk, conn_id(sk));
	if (s) {
		s->start_ns = now;
		s->slot = slot;
		s->dir = SE_DIR_OUTBOUND;
		s->established = 0;
		/* SYN_SENT is set before the SYN is sent: a fresh or disconnected
		 * socket has total_retrans 0, so no read of tcp_sock here. */
		s->retrans_seen = 0;
		s->segs_seen = 0;
		cell_started(slot);
	}
}

static __always_inline void on_connect_done(const struct sock *sk, __u64 now)
{
	struct se_sock *s = conn_lookup(sk, conn_id(sk));
	struct se_port_counters *c;

	if (!s)
		return;
	c = slot_counters(s->slot);
	if (c)
		hist_add(&c->connect_duration, now - s->start_ns);
	s->start_ns = now;
	s->established = 1;
}

static __always_inline void on_connect_failed(const struct sock *sk)
{
	__u64 id = conn_id(sk);
	struct se_sock *s = conn_lookup(sk, id);
	__u32 slot = s ? s->slot : port_to_slot(remote_port(sk), false);
	struct se_port_counters *c = slot_counters(slot);

	if (c)
		SE_INC(c->connect_failures[failure_reason(sk)], 1);
	if (s)
		cell_ended(s->slot);
	conn_end(s);
}

static __always_inline void on_accept(const struct sock *sk, __u64 now)
{
	__u64 id = conn_id(sk);
	struct se_port_counters *c;
	struct se_sock *s;
	__u32 slot;

	/* Simultaneous open: a connecting (user-owned) socket passes SYN_RECV
	 * too. A listener's child has no user socket before accept(). */
	if (sk->sk_socket) {
		s = conn_lookup(sk, id);
		if (s && s->dir == SE_DIR_OUTBOUND && !s->established) {
			on_connect_done(sk, now);
			return;
		}
	}
	slot = workload_cell(sk, port_to_slot(local_port(sk), false));
	c = slot_counters(slot);
	if (c)
		SE_INC(c->accepts, 1);
	check_accept(sk, c);
	s = conn_start(sk, id);
	if (s) {
		s->start_ns = now;
		s->slot = slot;
		s->dir = SE_DIR_INBOUND;
		s->established = 1;
		/* A child inherits its SYN-ACK retransmits (synack_retransmits). */
		s->retrans_seen = as_tcp_sock(sk)->total_retrans;
		s->segs_seen = as_tcp_sock(sk)->data_segs_out;
		cell_started(slot);
	}
}

static __always_inline void on_close(const struct sock *sk)
{
	__u64 id = conn_id(sk);
	struct se_sock *s = conn_lookup(sk, id);
	struct se_port_counters *c;
	const struct tcp_sock *tp;
	__u8 dir;

	if (!s)
		return;
	if (!s->established)
		goto out;
	dir = s->dir & 1;
	c = slot_counters(s->slot);
	tp = as_tcp_sock(sk);
	if (!c)
		goto out;
	hist_add(&c->conn_duration[dir], bpf_ktime_get_ns() - s->start_ns);
	SE_INC(c->bytes_sent[dir], tcp_payload_sent(tp));
	SE_INC(c->bytes_received[dir], tcp_payload_received(tp));
	if (tp->srtt_us)
		hist_add(&c->rtt[dir], (__u64)(tp->srtt_us >> 3) * 1000);
	SE_INC(c->data_segments_at_close[dir], tp->data_segs_out - s->segs_seen);
out:
	cell_ended(s->slot);
	conn_end(s);
}

/* A closing listener takes its drop counter (read by userspace from
 * sock_diag while it lives) along: keep it, so listen drops never go down. */
static __always_inline void on_listener_close(const struct sock *sk)
{
	struct se_port_counters *c = slot_counters(port_to_slot(listener_port(sk), false));

	if (c)
		SE_INC(c->closed_listener_drops, listener_drops(sk));
}

/* Records the namespace of this listen() (SE_LISTEN_RING): netns first, then seq by an
 * atomic exchange, which orders the two for a reader that checks seq. */
static __always_inline void note_listen_netns(const struct sock *sk)
{
	__u64 n = __sync_fetch_and_add(&listens, 1);
	struct se_listen_ns *e = &listen_ns[n & (SE_LISTEN_RING - 1)];

	e->netns = sk->__sk_common.skc_net.net->ns.inum;
	__sync_lock_test_and_set(&e->seq, n + 1);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	/* Most transitions count nothing: decide on the states (registers) before
	 * touching the socket. */
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED &&
	    newstate != TCP_LISTEN && newstate != TCP_CLOSE)
		return 0;
	if (sk->sk_protocol != IPPROTO_TCP || !in_scope(sk))
		return 0;
	switch (newstate) {
	case TCP_SYN_SENT:
		if (oldstate == TCP_CLOSE)
			on_connect(sk, bpf_ktime_get_ns());
		break;
	case TCP_ESTABLISHED:
		if (oldstate == TCP_SYN_SENT)
			on_connect_done(sk, handshake_time(sk));
		else if (oldstate == TCP_SYN_RECV)
			on_accept(sk, handshake_time(sk));
		break;
	case TCP_LISTEN:
		__sync_fetch_and_add(&listener_changes, 1);
		note_listen_netns(sk);
		port_to_slot(local_port(sk), true);
		mark_listening(local_port(sk));
		check_listen(sk, local_port(sk));
		break;
	case TCP_CLOSE:
		if (oldstate == TCP_SYN_SENT)
			on_connect_failed(sk);
		else if (oldstate == TCP_LISTEN) {
			__sync_fetch_and_add(&listener_changes, 1);
			on_listener_close(sk);
		}
		else
			on_close(sk);
		break;
	}
	return 0;
}

/* Direction and service port of a socket that may predate the exporter. */
static __always_inline __u32 sock_dir_slot(const struct sock *sk, __u32 *dir)
{
	__u8 state = sk->__sk_common.skc_state;
	struct se_sock *s = 0;

	if (state == TCP_CLOSE)
		s = conn_just_closed(sk, conn_id(sk));
	else if (state != TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV)
		s = conn_lookup(sk, conn_id(sk));
	if (s) {
		*dir = s->dir & 1;
		return s->slot;
	}
	if (state == TCP_NEW_SYN_RECV || port_is_listening(local_port(sk))) {
		*dir = SE_DIR_INBOUND;
		return port_to_slot(local_port(sk), false);
	}
	*dir = SE_DIR_OUTBOUND;
	return port_to_slot(remote_port(sk), false);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct se_port_counters *c;
	__u32 dir = SE_DIR_INBOUND, slot, reason = SE_RST_OTHER;

	if (sk) {
		if (!in_scope(sk))
			return 0;
		slot = sock_dir_slot(sk, &dir);
	} else {
		/* A segment for a port with no socket: the reply's netns is the
		 * receiving device's, the service port its destination port. */
		if (!skb || (netns_ino && skb_netns_ino(skb) != netns_ino))
			return 0;
		slot = port_to_slot(skb_tcp_dport(skb), false);
		reason = SE_RST_NO_SOCKET;
		closed_port_event(skb, SE_EV_CLOSED_PORT);
	}
	c = slot_counters(slot);
	if (c)
		SE_INC(c->resets_sent[dir][reason], 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	struct se_port_counters *c;
	__u32 dir, slot;

	if (!sk || !in_scope(sk))
		return 0;
	slot = sock_dir_slot(sk, &dir);
	c = slot_counters(slot);
	if (c)
		SE_INC(c->resets_received[dir], 1);
	return 0;
}

#include "udp_counters.bpf.h"
#include "syn_counters.bpf.h"

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct se_port_counters *c;

	if (!sk || !in_scope(sk))
		return 0;
	c = slot_counters(port_to_slot(local_port(sk), false));
	if (c)
		SE_INC(c->synack_retransmits, 1);
	return 0;
}

/*
 * Retransmitted segments, while the connection lives: the tracepoint runs at
 * the end of every __tcp_retransmit_skb() (v6.11+ with err; before, on
 * success only), after tcp_sock.total_retrans and the namespace's
 * TcpRetransSegs grew by the same count. The connection's state keeps what it
 * has counted, so each event adds the difference: exact whatever err says. A
 * connection older than the exporter has no state: its successful
 * retransmissions count by the segment's own count. The data segments sent so
 * far (the ratio's denominator) are brought up to date at the same moments.
 */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	const struct tcp_sock *tp;
	struct se_port_counters *c;
	struct se_sock *s = 0;
	__u32 dir, slot, n, segs = 0;
	__u8 state;

	if (!sk || !in_scope(sk))
		return 0;
	tp = as_tcp_sock(sk);
	state = sk->__sk_common.skc_state;
	if (state != TCP_CLOSE && state != TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV)
		s = conn_lookup(sk, conn_id(sk));
	if (s) {
		n = (__u16)((__u16)tp->total_retrans - s->retrans_seen);
		s->retrans_seen = (__u16)tp->total_retrans;
		segs = tp->data_segs_out - s->segs_seen;
		s->segs_seen = tp->data_segs_out;
		dir = s->dir & 1;
		slot = s->slot;
	} else {
		if (err)
			return 0;
		n = tcp_skb_segs(skb);
		slot = sock_dir_slot(sk, &dir);
	}
	c = slot_counters(slot);
	if (c && n)
		SE_INC(c->retransmits[dir & 1], n);
	if (c && segs)
		SE_INC(c->data_segments_at_retransmit[dir & 1], segs);
	return 0;
}
