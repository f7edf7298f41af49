// TC program for tests: drops every 8th TCP packet that carries data (over IPv4 without options
// or IPv6 without extension headers), 12 at most, so the sender retransmits at least that many
// segments and the kernel's TcpRetransSegs says how many it did. Loaded at the receiver's
// ingress with `tc filter add dev DEV ingress bpf da obj drop_data_segments.bpf.o sec tc`.
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define EVERY 8
#define MAX_DROPS 12

__u64 data_segments = 0;
__u64 dropped = 0;

static __always_inline int verdict(struct tcphdr *tcp, void *end, __u32 payload) {
  if ((void *)(tcp + 1) > end || payload <= (__u32)tcp->doff * 4) return TC_ACT_OK;
  if (++data_segments % EVERY || dropped >= MAX_DROPS) return TC_ACT_OK;
  dropped++;
  return TC_ACT_SHOT;
}

SEC("tc")
int drop_data_segments(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return TC_ACT_OK;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl != 5) return TC_ACT_OK;
    return verdict((void *)(ip + 1), end, bpf_ntohs(ip->tot_len) - sizeof(*ip));
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP) return TC_ACT_OK;
    return verdict((void *)(ip6 + 1), end, bpf_ntohs(ip6->payload_len));
  }
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
