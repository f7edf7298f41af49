// TC egress program for tests: drops pure ACKs (ACK set; SYN, FIN and RST clear) of TCP over
// IPv4 without options and IPv6 without extension headers, so a client's final handshake ACK never leaves its
// namespace and the server keeps the connection half-open. Loaded with
// `tc filter add dev DEV egress bpf da obj drop_pure_acks.bpf.o sec tc`.
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

static __always_inline int verdict(struct tcphdr *tcp, void *end) {
  if ((void *)(tcp + 1) > end) return TC_ACT_OK;
  return tcp->ack && !tcp->syn && !tcp->fin && !tcp->rst ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int drop_pure_acks(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return TC_ACT_OK;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl != 5) return TC_ACT_OK;
    return verdict((void *)(ip + 1), end);
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP) return TC_ACT_OK;
    return verdict((void *)(ip6 + 1), end);
  }
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
