/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI shared by the BPF programs and the C++ exporter. Everything that
 * crosses the kernel/user boundary is declared here once and included by
 * both sides; tests static_assert the sizes. Fixed-width types only,
 * largest fields first.
 */
#ifndef SOCKET_EXPORTER_H
#define SOCKET_EXPORTER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Slot 0 of every per-port map is the "other" bucket for untracked ports. */
#define SE_SLOT_OTHER 0
/* Hard upper bound on slots (tracked ports + "other"): 512 slots *
 * sizeof(struct se_port_counters) stay below 64 MiB on 64 CPUs; on more, the
 * exporter refuses a --ports.max whose per-CPU counters would not fit. */
#define SE_MAX_SLOTS 512
#define SE_PORT_COUNT 65536

/* Per-workload attribution (workloads.bpf.h): workload slot 0 is "other"
 * (unattributed, or no slot was free), slot 1 the root cgroup ("host").
 * A cell is an index of port_counters: below max_slots a port slot itself
 * (workload "other"), from there on one (workload, port slot) pair. */
#define SE_WORKLOAD_OTHER 0
#define SE_WORKLOAD_HOST 1
#define SE_MAX_WORKLOADS 1024
/* Hard upper bound on cells (port slots + pairs): se_sock keeps a cell in 16
 * bits, and the per-CPU counters stay below 64 MiB on 4 CPUs at the most. */
#define SE_MAX_CELLS 16384
#define se_cell_key(workload, port_slot) (((__u32)(workload) << 16) | (port_slot))
/* Set in a cell's key by userspace when it seals the cell for recycling. */
#define SE_CELL_SEALED (1U << 31)
#define se_cell_workload(key) (((key) >> 16) & 0x7fffU)
#define se_cell_port(key) ((key) & 0xffffU)

/* Key of the (cgroup, port slot) -> cell map. */
struct se_cgroup_port {
	__u64 cgroup;    /* cgroup v2 id of the socket */
	__u32 port_slot;
	__u32 pad;
};

/* port_slot map values: low 16 bits slot, bit 16 set if a listener was seen
 * on the port in scope (used to tell inbound from outbound sockets). */
#define SE_PORT_SLOT_MASK 0xffffU
#define SE_PORT_LISTENING (1U << 16)

/* Log2 histogram: bucket i counts durations d with
 * 2^(SE_HIST_MIN_SHIFT+i-1) < d_ns <= 2^(SE_HIST_MIN_SHIFT+i); bucket 0 also
 * holds everything shorter, the last bucket everything longer (+Inf).
 * Upper bounds run from 1.024 us to 34.4 s. */
#define SE_HIST_MIN_SHIFT 10
#define SE_HIST_FINITE 26
#define SE_HIST_BUCKETS (SE_HIST_FINITE + 1)

enum se_direction {
	SE_DIR_INBOUND = 0,
	SE_DIR_OUTBOUND = 1,
	SE_DIR_COUNT = 2,
};

enum se_connect_failure {
	SE_FAIL_REFUSED = 0,
	SE_FAIL_TIMEOUT = 1,
	SE_FAIL_UNREACHABLE = 2,
	SE_FAIL_OTHER = 3,
	SE_FAIL_COUNT = 4,
};

/* Why a UDP datagram that reached the host was dropped (skb:kfree_skb). */
enum se_udp_drop {
	SE_UDP_DROP_RCVBUF = 0,   /* the socket's receive buffer was full */
	SE_UDP_DROP_MEMORY = 1,   /* UDP's memory limit (net.ipv4.udp_mem) was reached */
	SE_UDP_DROP_CHECKSUM = 2, /* bad checksum */
	SE_UDP_DROP_OTHER = 3,    /* any other reason, at a UDP socket */
	SE_UDP_DROP_COUNT = 4,
};

enum se_reset_reason {
	SE_RST_NO_SOCKET = 0, /* segment for a port with no socket */
	SE_RST_OTHER = 1,
	SE_RST_REASON_COUNT = 2,
};

/* Connection policy rules; findings are counted per port slot. */
enum se_policy_rule {
	SE_RULE_DENIED_SOURCE = 0,      /* inbound accept from a denied network */
	SE_RULE_DENIED_DESTINATION = 1, /* outbound connect to a denied network */
	SE_RULE_UNEXPECTED_EGRESS = 2,  /* outbound connect to a port not allowed */
	SE_RULE_UNEXPECTED_LISTENER = 3, /* counted by userspace, once per socket */
	SE_RULE_COUNT = 4,
};

/* policy_flags bits: which kernel-side rules are active. */
#define SE_POLICY_DENY_SRC (1U << 0)
#define SE_POLICY_DENY_DST (1U << 1)
#define SE_POLICY_EGRESS (1U << 2)
#define SE_POLICY_LISTEN (1U << 3)
#define SE_POLICY_MAX_CIDRS 1024

/* Key of the deny_src/deny_dst LPM tries: IPv4 as ::ffff:a.b.c.d (prefix
 * + 96), so v4-mapped addresses of dual-stack sockets match IPv4 CIDRs. */
struct se_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Rare events, delivered through the events ring buffer. */
enum se_event_kind {
	SE_EV_CLOSED_PORT = 1, /* segment to a port with no socket (RST sent) */
	SE_EV_POLICY = 2,      /* a policy finding; rule says which */
	SE_EV_UDP_CLOSED_PORT = 3, /* UDP datagram to a port with no socket */
};

struct se_event {
	__u64 time_ns;     /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	union {
		__u8 saddr[16]; /* remote peer: the source of inbound, destination of outbound */
		__u64 inode;    /* SE_RULE_UNEXPECTED_LISTENER: the listening socket's inode */
	};
	__u8 laddr[16];    /* local address */
	__u32 netns;       /* network namespace inode */
	__u32 pid;         /* tgid of the current task (connects and listen()) */
	__u16 rport;       /* remote port */
	__u16 lport;       /* local port */
	__u8 kind;         /* enum se_event_kind */
	__u8 rule;         /* enum se_policy_rule, for SE_EV_POLICY */
	__u8 family;       /* 4 or 6; IPv4 addresses in the first 4 bytes */
	__u8 pad;
	char comm[16];     /* current task's command (connects and listen()) */
};

#define SE_EVENTS_RING_BYTES (1U << 20)

/* The network namespace of listen() number n (from 0) sits at n % SE_LISTEN_RING, with
 * seq = n + 1 once netns is written: userspace looks for new namespaces only when a recent
 * listen() was in one it does not know (or it cannot tell). */
#define SE_LISTEN_RING 16
struct se_listen_ns {
	__u64 seq;
	__u32 netns;
	__u32 pad;
};

struct se_hist {
	__u64 buckets[SE_HIST_BUCKETS]; /* non-cumulative counts */
	__u64 sum_ns;                   /* sum of observed durations */
};

/* Per-CPU counters of one slot (one tracked port, or "other"). */
struct se_port_counters {
	struct se_hist connect_duration;              /* SYN sent -> ESTABLISHED */
	struct se_hist conn_duration[SE_DIR_COUNT];   /* ESTABLISHED -> CLOSE */
	__u64 connects;                               /* CLOSE -> SYN_SENT */
	__u64 connect_failures[SE_FAIL_COUNT];        /* SYN_SENT -> CLOSE */
	__u64 accepts;                                /* SYN_RECV -> ESTABLISHED */
	__u64 resets_sent[SE_DIR_COUNT][SE_RST_REASON_COUNT];
	__u64 resets_received[SE_DIR_COUNT];
	__u64 bytes_sent[SE_DIR_COUNT];               /* payload, added at close */
	__u64 bytes_received[SE_DIR_COUNT];           /* payload, added at close */
	__u64 syns_received;      /* SYNs that reached a listener (cgroup_skb) */
	__u64 synack_retransmits; /* SYN-ACKs retransmitted by a listener */
	__u64 closed_listener_drops; /* drop counters of listeners at their close */
	__u64 policy_findings[SE_RULE_COUNT]; /* kernel-side rules only */
	/* Connection quality: smoothed RTT at close; segments retransmitted and
	 * data segments sent (tcp_sock.data_segs_out), both added at each
	 * retransmission, the rest of the data segments at close. */
	struct se_hist rtt[SE_DIR_COUNT];
	__u64 retransmits[SE_DIR_COUNT];
	__u64 data_segments_at_retransmit[SE_DIR_COUNT];
	__u64 data_segments_at_close[SE_DIR_COUNT];
	/* UDP, at the port slot (never per workload): datagrams and payload bytes
	 * that reached a socket (some of them dropped later, udp_drops) and that
	 * sockets sent; drops by reason; datagrams to ports with no socket. */
	__u64 udp_received_datagrams[SE_DIR_COUNT];
	__u64 udp_received_bytes[SE_DIR_COUNT];
	__u64 udp_sent_datagrams[SE_DIR_COUNT];
	__u64 udp_sent_bytes[SE_DIR_COUNT];
	__u64 udp_drops[SE_UDP_DROP_COUNT];
	__u64 udp_no_socket;
};

/* Sources of recent SYNs to listeners, per CPU, for the flood log lines: the
 * /24 (IPv4) or /64 (IPv6) prefix and the port slot. Overwritten in a ring;
 * userspace reads what is new since its last read. */
#define SE_SRC_RING 256

struct se_src_sample {
	__u32 prefix[2]; /* IPv4: prefix[0] = address & 255.255.255.0; IPv6: first 64 bits */
	__u16 slot;
	__u8 family;     /* 4 or 6; 0 = empty */
	__u8 pad;
};

struct se_src_ring {
	__u64 next; /* samples written so far on this CPU */
	struct se_src_sample s[SE_SRC_RING];
};

/* What the exporter remembers about one connection (kernel side only). */
struct se_sock {
	__u64 start_ns; /* SYN sent (connecting) or ESTABLISHED (established) */
	__u16 slot;     /* cell (port slot, or workload and port) chosen at start */
	__u8 dir;       /* enum se_direction */
	__u8 established;
	__u8 closed;    /* CLOSE seen: kept for a reset sent right after, reusable */
	__u8 pad;
	__u16 retrans_seen; /* tcp_sock.total_retrans (low 16 bits) already counted */
	__u32 segs_seen;    /* tcp_sock.data_segs_out already counted */
	__u32 pad2;
};

/* Default entries of the connection table (2 ways per bucket); set at load. */
#define SE_CONN_TABLE_BITS 13
#define SE_CONN_TABLE_MAX_BITS 18 /* keeps all maps below 64 MiB on 128 CPUs */

#endif /* SOCKET_EXPORTER_H */
