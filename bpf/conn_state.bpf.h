/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-connection state (start time, slot, direction).
 *
 * Socket-local storage would be the natural home, but creating it costs
 * about 0.8 us per socket on this path (allocation, locking, RCU free), more
 * than everything else per connection together. So connections live in a
 * preallocated array indexed by a hash of the socket address, two ways per
 * bucket, claimed with a compare-and-swap and marked closed on CLOSE; a
 * closed entry keeps its state for the RST that tcp_close() and
 * tcp_disconnect() send right after CLOSE (by then the local port is
 * released), and is reclaimed by the next connection hashing there. When both
 * ways are taken, the connection falls back to socket-local storage, so no
 * connection goes untracked: the table is only the fast path.
 */
#ifndef CONN_STATE_BPF_H
#define CONN_STATE_BPF_H

#include "socket_exporter.h"

struct se_conn {
	__u64 id; /* owning socket: conn_id(); 0 = free */
	struct se_sock s;
};

/* Scratch slot that turns a socket pointer into a number (see conn_id). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sock_addr SEC(".maps");

/*
 * Identity of a socket for the table: its address, plus its remote port
 * (set before SYN_SENT and for children at creation) in the top bits, so an
 * entry left behind by a missed CLOSE cannot match a later socket at the
 * same address unless the remote port matches too. The verifier forbids
 * arithmetic on a socket pointer, but a value loaded from map memory is a
 * plain number: storing the pointer in a per-CPU slot and loading it back
 * costs a few ns, where bpf_probe_read_kernel() cost ~50 ns per call and
 * bpf_get_socket_cookie() ~200 ns per new socket (measured on the connect
 * storm, docs/benchmarks.md).
 */
static __always_inline __u64 conn_id(const struct sock *sk)
{
	__u32 zero = 0;
	volatile __u64 *slot = bpf_map_lookup_elem(&sock_addr, &zero);
	__u64 addr;

	if (!slot)
		return 0;
	*slot = (__u64)sk;
	addr = *slot;
	return addr ^ ((__u64)sk->__sk_common.skc_dport << 48);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1U << SE_CONN_TABLE_BITS); /* 1 << conn_table_bits */
	__type(key, __u32);
	__type(value, struct se_conn);
} conn_table SEC(".maps");

const volatile __u32 conn_table_bits = SE_CONN_TABLE_BITS;

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct se_sock);
} sock_state SEC(".maps");

static __always_inline __u32 conn_bucket(__u64 id)
{
	__u64 h = id * 0x9E3779B97F4A7C15ULL; /* Fibonacci hashing */

	return (__u32)(h >> ((64 - conn_table_bits) & 63)) & ~1U;
}

/* The table entry of the socket with this id that is closed or not: a
 * socket reused after CLOSE may have both. */
static __always_inline struct se_conn *conn_entry(__u64 id, __u8 closed)
{
	__u32 i = conn_bucket(id);
	struct se_conn *e;

	e = bpf_map_lookup_elem(&conn_table, &i);
	if (e && e->id == id && e->s.closed == closed)
		return e;
	i |= 1;
	e = bpf_map_lookup_elem(&conn_table, &i);
	if (e && e->id == id && e->s.closed == closed)
		return e;
	return 0;
}

/* State of a live connection that started while the exporter was watching;
 * id is conn_id(sk), taken once per event. */
static __always_inline struct se_sock *conn_lookup(const struct sock *sk, __u64 id)
{
	struct se_conn *e = conn_entry(id, 0);
	struct se_sock *s;

	if (e)
		return &e->s;
	s = bpf_sk_storage_get(&sock_state, (void *)sk, 0, 0);
	return s && !s->closed ? s : 0;
}

/* State of a connection that has just been closed (see above). */
static __always_inline struct se_sock *conn_just_closed(const struct sock *sk, __u64 id)
{
	struct se_conn *e = conn_entry(id, 1);
	struct se_sock *s;

	if (e)
		return &e->s;
	s = bpf_sk_storage_get(&sock_state, (void *)sk, 0, 0);
	return s && s->closed ? s : 0;
}

/* Claims entry i if it is free or holds a closed connection. */
static __always_inline struct se_sock *conn_claim(__u64 id, __u32 i)
{
	struct se_conn *e = bpf_map_lookup_elem(&conn_table, &i);
	__u64 old;

	if (!e)
		return 0;
	old = e->id;
	if (old && !e->s.closed)
		return 0;
	if (__sync_val_compare_and_swap(&e->id, old, id) != old)
		return 0;
	e->s.closed = 0;
	return &e->s;
}

/* Starts tracking a new connection. A socket reused after CLOSE gets a
 * fresh entry; a storage fallback is reused by the create flag. */
static __always_inline struct se_sock *conn_start(const struct sock *sk, __u64 id)
{
	__u32 i = conn_bucket(id);
	struct se_sock *s = conn_claim(id, i);

	if (!s)
		s = conn_claim(id, i | 1);
	if (!s) {
		s = bpf_sk_storage_get(&sock_state, (void *)sk, 0,
				       BPF_SK_STORAGE_GET_F_CREATE);
		if (s)
			s->closed = 0;
	}
	return s;
}

/* Stops tracking: the entry stays readable for conn_just_closed() until it
 * is reclaimed. */
static __always_inline void conn_end(struct se_sock *s)
{
	if (s)
		s->closed = 1;
}

#endif /* CONN_STATE_BPF_H */
