/* The container image's HEALTHCHECK: GET /-/healthy on an IPv4 address and port (default
 * 127.0.0.1:9976); exit 0 on "HTTP/1.x 200", 1 otherwise. The image has no shell, curl or wget,
 * and this needs nothing but the libc the exporter already brings. Plain HTTP only: with
 * --web.config.file (TLS or basic auth) give the container a --health-cmd of its own. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  char host[64] = "127.0.0.1";
  long port = 9976;
  if (argc > 1) {
    const char* colon = strrchr(argv[1], ':');
    if (colon == NULL || (size_t)(colon - argv[1]) >= sizeof(host)) {
      fprintf(stderr, "usage: %s [IPV4:PORT]\n", argv[0]);
      return 2;
    }
    if (colon != argv[1]) {
      memcpy(host, argv[1], (size_t)(colon - argv[1]));
      host[colon - argv[1]] = '\0';
    }
    port = strtol(colon + 1, NULL, 10);
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "healthcheck: bad address %s:%ld\n", host, port);
    return 2;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("healthcheck: socket");
    return 1;
  }
  const struct timeval timeout = {.tv_sec = 3};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0) {
    perror("healthcheck: connect");
    return 1;
  }
  static const char kRequest[] = "GET /-/healthy HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (write(fd, kRequest, sizeof(kRequest) - 1) != (ssize_t)(sizeof(kRequest) - 1)) {
    perror("healthcheck: write");
    return 1;
  }
  char reply[16] = {0};
  size_t got = 0;
  while (got < 12) {
    const ssize_t n = read(fd, reply + got, 12 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got == 12 && strncmp(reply, "HTTP/1.", 7) == 0 && strncmp(reply + 8, " 200", 4) == 0)
    return 0;
  fprintf(stderr, "healthcheck: no 200 from %s:%ld/-/healthy (got \"%.12s\")\n", host, port, reply);
  return 1;
}
