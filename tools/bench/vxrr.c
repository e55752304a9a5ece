// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxrr: request/response latency between two VMs (scripts/bench-app.sh).
 * Not part of vxbpf.
 *
 *   vxrr server [-u] [-p PORT] [-s SIZE]
 *       echo every SIZE-byte message back (TCP: one connection at a time;
 *       UDP: every datagram to its sender).
 *   vxrr client [-u] [-p PORT] [-s SIZE] [-n N] [-w WARMUP] [-c CPU] HOST
 *       send a SIZE-byte request, wait for the whole reply, N times after
 *       WARMUP unrecorded rounds; print one line
 *           "n N min p50 p90 p99 p999 max mean" (microseconds)
 *       and exit 0, or exit 1 when a round failed: a UDP reply not back
 *       within 1 s (a lost datagram is a failure, not a retry: it would
 *       otherwise hide as a large percentile), a TCP one within 30 s (TCP
 *       retransmits; a round trip that took a retransmission timeout or
 *       two is a sample like any other).
 *
 * One message in flight, so each sample is a full round trip through both
 * hosts' data paths (as netperf TCP_RR does); TCP_NODELAY so Nagle never
 * holds a request back. Times are CLOCK_MONOTONIC around send and the last
 * byte received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 65000

struct opts {
	bool udp;
	const char *port;
	size_t size;
	long n;
	long warmup;
	int cpu;
	const char *host;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: vxrr server [-u] [-p PORT] [-s SIZE]\n"
		"       vxrr client [-u] [-p PORT] [-s SIZE] [-n N] [-w WARMUP] [-c CPU] HOST\n");
	exit(2);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Read exactly len bytes (TCP may hand the reply over in pieces). */
static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = recv(fd, buf + got, len - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ECONNRESET;
		got += r;
	}
	return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
	size_t put = 0;
	ssize_t r;

	while (put < len) {
		r = send(fd, buf + put, len - put, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		put += r;
	}
	return 0;
}

static int resolve(const struct opts *o, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM,
	    .ai_flags = passive ? AI_PASSIVE : 0,
	};
	int err;

	/* The server listens on IPv6 any, which takes IPv4 too (bindv6only 0). */
	if (passive)
		hints.ai_family = AF_INET6;
	err = getaddrinfo(o->host, o->port, &hints, res);
	if (err) {
		fprintf(stderr, "vxrr: %s: %s\n", o->host ? o->host : "any", gai_strerror(err));
		return -EINVAL;
	}
	return 0;
}

static int server(const struct opts *o)
{
	struct addrinfo *ai;
	char *buf;
	int fd, c, one = 1, err;

	buf = malloc(o->size);
	if (!buf || resolve(o, true, &ai))
		return 1;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || (!o->udp && listen(fd, 8))) {
		perror("vxrr server");
		return 1;
	}
	freeaddrinfo(ai);
	if (o->udp) {
		struct sockaddr_storage peer;
		socklen_t plen;
		ssize_t r;

		for (;;) {
			plen = sizeof(peer);
			r = recvfrom(fd, buf, o->size, 0, (struct sockaddr *)&peer, &plen);
			if (r > 0)
				sendto(fd, buf, r, 0, (struct sockaddr *)&peer, plen);
		}
	}
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while (!(err = read_full(c, buf, o->size)) && !(err = write_full(c, buf, o->size)))
			;
		close(c);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples. */
static double pct(const double *v, long n, double p)
{
	long i = (long)(p / 100.0 * n + 0.999999) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static int client(const struct opts *o)
{
	struct timeval tmo = {.tv_sec = o->udp ? 1 : 30};
	struct addrinfo *ai;
	double *lat, t0, sum = 0;
	char *buf;
	int fd, one = 1, err;
	long i;

	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("vxrr: sched_setaffinity");
	}
	buf = calloc(1, o->size);
	lat = calloc(o->n, sizeof(*lat));
	if (!buf || !lat || resolve(o, false, &ai))
		return 1;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0) {
		perror("vxrr: socket");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	/* UDP too: connect() fixes the peer, so send/recv need no address. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("vxrr: connect");
		return 1;
	}
	freeaddrinfo(ai);
	for (i = -o->warmup; i < o->n; i++) {
		t0 = now_us();
		err = write_full(fd, buf, o->size);
		if (!err)
			err = o->udp ? (recv(fd, buf, o->size, 0) == (ssize_t)o->size ? 0 : -EIO)
				     : read_full(fd, buf, o->size);
		if (err) {
			fprintf(stderr, "vxrr: round %ld: %s\n", i, strerror(-err));
			return 1;
		}
		if (i >= 0) {
			lat[i] = now_us() - t0;
			sum += lat[i];
		}
	}
	close(fd);
	qsort(lat, o->n, sizeof(*lat), cmp_double);
	printf("n %ld min %.1f p50 %.1f p90 %.1f p99 %.1f p999 %.1f max %.1f mean %.1f\n", o->n,
	       lat[0], pct(lat, o->n, 50), pct(lat, o->n, 90), pct(lat, o->n, 99),
	       pct(lat, o->n, 99.9), lat[o->n - 1], sum / o->n);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.port = "5201", .size = 64, .n = 10000, .warmup = 1000, .cpu = -1};
	bool is_server;
	int c;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		is_server = true;
	else if (!strcmp(argv[1], "client"))
		is_server = false;
	else
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "up:s:n:w:c:")) != -1) {
		switch (c) {
		case 'u':
			o.udp = true;
			break;
		case 'p':
			o.port = optarg;
			break;
		case 's':
			o.size = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o.n = strtol(optarg, NULL, 0);
			break;
		case 'w':
			o.warmup = strtol(optarg, NULL, 0);
			break;
		case 'c':
			o.cpu = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.size < 1 || o.size > MAX_SIZE || o.n < 1 || o.warmup < 0)
		usage();
	if (is_server)
		return server(&o);
	if (optind != argc - 1)
		usage();
	o.host = argv[optind];
	return client(&o);
}
