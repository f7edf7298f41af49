/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-workload attribution (--attribution=cgroup). A connection's counters
 * live in a "cell" of port_counters: cells [0, max_slots) are the port slots
 * themselves, i.e. (workload "other", port); cells from max_slots on are
 * (workload, port) pairs handed out on first use. A workload is a cgroup v2
 * id, read from the socket (sk_cgrp_data, which accepted sockets inherit
 * from their listener, so softirq context is fine) once when a connection
 * starts, with one hash lookup of (cgroup id, port slot); the cell is kept in
 * the connection's se_sock, so later events cost no lookup. Free workload
 * slots and free cells come from queues userspace fills: assigning them needs
 * no userspace on the hot path, and when a queue is empty the connection
 * counts in (other, port), so totals stay exact.
 *
 * Userspace recycles a workload's cells only after its cgroup is gone, its
 * pairs are unpublished and the cells' live connection counts are zero, then
 * clears the counters before pushing the cells back: no count ever moves to
 * another workload.
 */
#ifndef WORKLOADS_BPF_H
#define WORKLOADS_BPF_H

#include "socket_exporter.h"

const volatile __u32 attribution = 0; /* 1: --attribution=cgroup */

/* cgroup id -> workload slot (SE_WORKLOAD_OTHER is never stored). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SE_MAX_WORKLOADS);
	__type(key, __u64);
	__type(value, __u32);
} workload_slot SEC(".maps");

/* workload slot -> cgroup id, written before the slot is published. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SE_MAX_WORKLOADS);
	__type(key, __u32);
	__type(value, __u64);
} slot_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, SE_MAX_WORKLOADS);
	__type(value, __u32);
} free_workloads SEC(".maps");

/* (cgroup id, port slot) -> cell: the one lookup a connection costs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SE_MAX_CELLS); /* set at load */
	__type(key, struct se_cgroup_port);
	__type(value, __u32);
} cgroup_cell SEC(".maps");

/* cell -> se_cell_key(workload slot, port slot), written before the cell is
 * published. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SE_MAX_CELLS); /* set at load */
	__type(key, __u32);
	__type(value, __u32);
} cell_pair SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, SE_MAX_CELLS); /* set at load */
	__type(value, __u32);
} free_cells SEC(".maps");

/* Connections started in a cell and not yet ended, per CPU (a connection may
 * end on another CPU than it started: only the sum over CPUs means anything).
 * Written only by inet_sock_set_state, so plain adds (port_slots.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SE_MAX_CELLS); /* set at load */
	__type(key, __u32);
	__type(value, __s64);
} cell_live SEC(".maps");

/* Per CPU, a direct-mapped memo of recent (cgroup, port slot) -> cell
 * lookups, so that most connections cost no hash lookup (a server's
 * connections arrive in runs of one cgroup and port). An entry is trusted only
 * while the cell's key still names this port and a workload slot that still
 * names this cgroup, and the cell is not sealed: recycling never needs to
 * reach it. Written only by inet_sock_set_state (port_slots.bpf.h). */
#define SE_CELL_MEMO 8

struct se_cell_memo {
	struct {
		__u64 cgroup;
		__u32 port_slot;
		__u32 cell; /* 0: empty */
	} e[SE_CELL_MEMO];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct se_cell_memo);
} cell_memo SEC(".maps");

/* Connections of an attributed workload counted in (other, port): no free
 * workload slot or cell. */
__u64 workload_folds;

static __always_inline __u32 memo_index(__u64 cgroup, __u32 port_slot)
{
	return (cgroup ^ port_slot) & (SE_CELL_MEMO - 1);
}

/* The memo's cell for (cgroup, port slot) if it is still theirs, or 0. */
static __always_inline __u32 memo_cell(const struct se_cell_memo *m, __u64 cgroup,
				       __u32 port_slot)
{
	__u32 i = memo_index(cgroup, port_slot), cell = m->e[i].cell, w;
	__u32 *pair;
	__u64 *owner;

	if (!cell || m->e[i].cgroup != cgroup || m->e[i].port_slot != port_slot)
		return 0;
	pair = bpf_map_lookup_elem(&cell_pair, &cell);
	if (!pair || *pair != se_cell_key(se_cell_workload(*pair), port_slot))
		return 0; /* recycled, reassigned or sealed */
	w = se_cell_workload(*pair);
	if (w == SE_WORKLOAD_OTHER)
		return 0; /* a free cell's key is 0 */
	owner = bpf_map_lookup_elem(&slot_cgroup, &w);
	return owner && *owner == cgroup ? cell : 0;
}

/* Looks up key in a hash of published ids, or publishes a slot popped from
 * the free queue under it (named first through name_map); 0 when none is
 * free. Losing the insert race pushes the slot back and takes the winner's. */
static __always_inline __u32 publish_slot(void *hash, void *queue, void *name_map,
					  const void *key, const void *name)
{
	__u32 *v = bpf_map_lookup_elem(hash, key);
	__u32 slot;

	if (v)
		return *v;
	if (bpf_map_pop_elem(queue, &slot))
		return 0;
	bpf_map_update_elem(name_map, &slot, name, BPF_ANY);
	if (!bpf_map_update_elem(hash, key, &slot, BPF_NOEXIST))
		return slot;
	bpf_map_push_elem(queue, &slot, BPF_ANY);
	v = bpf_map_lookup_elem(hash, key);
	return v ? *v : 0;
}

/* The first connection of a (cgroup, port slot): its workload slot, then a
 * cell published under the pair; the port slot itself if none is free. */
static __attribute__((noinline)) __u32 new_cell(const struct se_cgroup_port *k)
{
	__u32 w, pair, cell = 0;

	w = publish_slot(&workload_slot, &free_workloads, &slot_cgroup, &k->cgroup, &k->cgroup);
	pair = se_cell_key(w, k->port_slot);
	if (w != SE_WORKLOAD_OTHER)
		cell = publish_slot(&cgroup_cell, &free_cells, &cell_pair, k, &pair);
	if (cell)
		return cell;
	__sync_fetch_and_add(&workload_folds, 1);
	return k->port_slot;
}

/* The cell of a new connection of sk counted on port slot port_slot. */
static __always_inline __u32 workload_cell(const struct sock *sk, __u32 port_slot)
{
	const struct cgroup *cg;
	struct se_cgroup_port k = {};
	struct se_cell_memo *m;
	__u32 zero = 0, i, cell, *found;

	if (!attribution)
		return port_slot;
	cg = sk->sk_cgrp_data.cgroup;
	k.cgroup = cg ? cg->kn->id : 0;
	k.port_slot = port_slot;
	m = bpf_map_lookup_elem(&cell_memo, &zero);
	cell = m ? memo_cell(m, k.cgroup, port_slot) : 0;
	if (cell)
		return cell;
	found = bpf_map_lookup_elem(&cgroup_cell, &k);
	cell = found ? *found : new_cell(&k);
	if (m && cell >= max_slots) {
		i = memo_index(k.cgroup, port_slot);
		m->e[i].cgroup = k.cgroup;
		m->e[i].port_slot = port_slot;
		m->e[i].cell = cell;
	}
	return cell;
}

static __always_inline void cell_live_add(__u32 cell, __s64 n)
{
	__s64 *live;

	if (!attribution || cell < max_slots)
		return;
	live = bpf_map_lookup_elem(&cell_live, &cell);
	if (live)
		*live += n;
}

static __always_inline void cell_started(__u32 cell) { cell_live_add(cell, 1); }
static __always_inline void cell_ended(__u32 cell) { cell_live_add(cell, -1); }

#endif /* WORKLOADS_BPF_H */
