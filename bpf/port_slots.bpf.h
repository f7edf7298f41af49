/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Port -> slot indirection and per-slot counter helpers. */
#ifndef PORT_SLOTS_BPF_H
#define PORT_SLOTS_BPF_H

#include "socket_exporter.h"

/* port -> (slot | SE_PORT_LISTENING). Memory-mapped by userspace, which
 * allocates with the same atomic protocol as port_to_slot() below. The value
 * is 64-bit because array elements are laid out with an 8-byte stride. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SE_PORT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} port_slot SEC(".maps");

/* slot -> port, so userspace can name slots without scanning port_slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SE_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} slot_port SEC(".maps");

/* Per-slot counters; max_entries is set to --ports.max + 1 at load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SE_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct se_port_counters);
} port_counters SEC(".maps");

const volatile __u32 max_slots = 1;        /* --ports.max + 1 */
const volatile __u32 ephemeral_low = 32768; /* ip_local_port_range */
const volatile __u32 ephemeral_high = 60999;
__u32 next_slot = 1; /* next free slot; userspace pre-assigns before attach */
/* TCP sockets that started or stopped listening so far, in scope: while this
 * stays, userspace's detector tick reuses its last read of the TCP listeners. */
__u64 listener_changes = 0;
__u64 listens = 0; /* TCP_LISTEN transitions in scope so far */
struct se_listen_ns listen_ns[SE_LISTEN_RING];

/* Slot of a port; allocates one when asked and room is left. The slot is
 * named in slot_port before it is published, so a reader never sees a
 * published slot without its port. Losing the cmpxchg race wastes one slot
 * (named after the same port, so its counts still fold to it) but never
 * double-assigns a port. */
static __always_inline __u32 port_to_slot(__u32 port, bool alloc)
{
	__u64 *v = bpf_map_lookup_elem(&port_slot, &port);
	__u64 old;
	__u32 slot;

	if (!v)
		return SE_SLOT_OTHER;
	old = *v;
	if ((old & SE_PORT_SLOT_MASK) || !alloc || next_slot >= max_slots)
		return old & SE_PORT_SLOT_MASK;
	slot = __sync_fetch_and_add(&next_slot, 1);
	if (slot >= max_slots || slot >= SE_MAX_SLOTS)
		return SE_SLOT_OTHER;
	bpf_map_update_elem(&slot_port, &slot, &port, BPF_ANY);
	if (__sync_val_compare_and_swap(v, old, old | slot) != old)
		return *v & SE_PORT_SLOT_MASK;
	return slot;
}

static __always_inline void mark_listening(__u32 port)
{
	__u64 *v = bpf_map_lookup_elem(&port_slot, &port);

	if (v && !(*v & SE_PORT_LISTENING))
		__sync_fetch_and_or(v, SE_PORT_LISTENING);
}

static __always_inline bool port_is_listening(__u32 port)
{
	__u64 *v = bpf_map_lookup_elem(&port_slot, &port);

	return v && (*v & SE_PORT_LISTENING);
}

static __always_inline bool is_ephemeral(__u32 port)
{
	return port >= ephemeral_low && port <= ephemeral_high;
}

static __always_inline struct se_port_counters *slot_counters(__u32 slot)
{
	return bpf_map_lookup_elem(&port_counters, &slot);
}

/*
 * Per-CPU counters are updated with plain adds. A program cannot interrupt
 * itself on a CPU (a nested run is skipped and counted in recursion_misses,
 * exported as socket_exporter_bpf_missed_events_total), and each field is
 * written by exactly one program: inet_sock_set_state owns connects,
 * failures, accepts, histograms, bytes and closed_listener_drops; tcp_send_reset owns resets_sent;
 * tcp_receive_reset owns resets_received; syn_ingress owns syns_received;
 * tcp_retransmit_synack owns synack_retransmits. So no update can be lost to a
 * softirq run of another program, and the lock prefix (~10 ns each, a dozen
 * per connection) is not needed. Shared (non-per-CPU) state uses atomics.
 */
#define SE_INC(field, n) ((field) += (n))

static __always_inline __u32 log2_bucket(__u64 ns)
{
	__u32 b = 0;
	__u64 v;

	if (ns <= (1ULL << SE_HIST_MIN_SHIFT))
		return 0;
	v = (ns - 1) >> SE_HIST_MIN_SHIFT; /* ceil(log2(ns)) - MIN_SHIFT */
	if (v >> 32) { b += 32; v >>= 32; }
	if (v >> 16) { b += 16; v >>= 16; }
	if (v >> 8) { b += 8; v >>= 8; }
	if (v >> 4) { b += 4; v >>= 4; }
	if (v >> 2) { b += 2; v >>= 2; }
	if (v >> 1) { b += 1; v >>= 1; }
	b += v; /* v is 1 here: one more bit */
	return b < SE_HIST_FINITE ? b : SE_HIST_FINITE;
}

static __always_inline void hist_add(struct se_hist *h, __u64 ns)
{
	__u32 b = log2_bucket(ns);

	if (b < SE_HIST_BUCKETS)
		SE_INC(h->buckets[b], 1);
	SE_INC(h->sum_ns, ns);
}

#endif /* PORT_SLOTS_BPF_H */
