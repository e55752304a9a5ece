// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbench: the traffic generator, sink and cost harness of `make bench`
 * (scripts/bench.sh drives it). Not part of vxbpf.
 *
 *   vxbench attach NS DEV sink|null|pass PIN [TARGET_DEV]
 *       attach bench_sink (count + drop), bench_null (redirect to
 *       TARGET_DEV unchanged) or bench_pass to DEV in netns NS; the link
 *       (and the sink's counter map) are pinned under the directory PIN, so
 *       `rm -r PIN` detaches.
 *   vxbench count PIN
 *       print the sink's packets and bytes (all CPUs).
 *   vxbench gen NS DEV [options] --sink PIN
 *       run bench_gen with BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES as if
 *       DEV (in NS) received the frames: XDP_TX sends each one into DEV's
 *       veth peer. Prints "gen_mpps sink_mpps dut_ns gen_ns" measured over
 *       --seconds after a short warm-up; sink_mpps is what arrived at the
 *       sink; dut_ns is the CPU time of the threads --pids P1,P2,... (the
 *       DUT's and the sink's NAPI kthreads, /proc/PID/schedstat) per packet
 *       at the sink (0 without --pids); gen_ns is the generator's own CPU
 *       time per packet it sent; then, for every CPU, "busy% steal%" over the same window from
 *       /proc/stat (busy = not idle, iowait or steal): where the time
 *       went, e.g. whether the CPU that runs the device under test was
 *       saturated.
 *   vxbench cost NS DEV --prog-id ID --delta D [options]
 *       per-packet cost of program ID with BPF_PROG_RUN repeat (not live),
 *       on the frame bench_gen writes; see bench_cost in bench_null.bpf.c.
 *       Prints "prog_ns harness_ns net_ns final_len".
 *       With --live: program ID itself run with BPF_F_TEST_XDP_LIVE_FRAMES
 *       (repeat 1,000,000, --batch frames a batch), so that what it
 *       returns is carried out: an XDP_REDIRECT goes through
 *       xdp_do_redirect() to its device (the sink behind it drops it), and
 *       the kernel's time per frame includes the redirect and the flush.
 *       The harness is then bench_null redirecting the same frame to
 *       --target DEV (0 without --target); final_len is 0.
 *   vxbench floor NS DEV --rungs R1,R2,... [--reps N] [--fdb SPEC,...]
 *       [--order seq|scatter] [frame options]
 *       the floor ladder (bench/floor.bpf.c) through the same harness as
 *       cost, on the same frame; see cmd_floor and bench/cost.md.
 *
 * Frame options (gen and cost): --mode decap|encap --v6 --size N (inner
 * frame bytes) --flows N --macs N --vnis N --vni V --omac-dst MAC
 * --omac-src MAC --osrc IP --odst IP --imac-dst MAC --imac-src MAC
 * --batch N --seconds S --cpu C.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "bench_gen.skel.h"
#include "bench_null.skel.h"
#include "bench_sink.skel.h"
#include "floor.skel.h"
#include "vxbpf.h"


#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

struct sink_count {
	__u64 packets, bytes;
};

struct opts {
	int encap, v6, size, flows, macs, vnis, vni, batch, cpu, prog_id, delta, live;
	double seconds;
	__u8 omac_dst[6], omac_src[6], imac_dst[6], imac_src[6];
	__u8 osrc[16], odst[16];
	const char *sink, *pids, *target;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "vxbench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static void enter_ns(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die("cannot enter netns %s", ns);
	close(fd);
}

static int ifindex_of(const char *dev)
{
	int i = if_nametoindex(dev);

	if (!i)
		die("no device %s", dev);
	return i;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_mac(const char *s, __u8 *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		die("bad MAC %s", s);
}

static void parse_ip(const char *s, __u8 *a, int *v6)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1)
		return;
	if (inet_pton(AF_INET6, s, a) == 1) {
		*v6 = 1;
		return;
	}
	die("bad address %s", s);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"mode", 1, 0, 'm'},	 {"v6", 0, 0, '6'},	  {"size", 1, 0, 's'},
		{"flows", 1, 0, 'f'},	 {"macs", 1, 0, 'M'},	  {"vnis", 1, 0, 'V'},
		{"vni", 1, 0, 'v'},	 {"batch", 1, 0, 'b'},	  {"seconds", 1, 0, 't'},
		{"cpu", 1, 0, 'c'},	 {"sink", 1, 0, 'k'},	  {"prog-id", 1, 0, 'p'},
		{"delta", 1, 0, 'd'},	 {"omac-dst", 1, 0, 1},	  {"omac-src", 1, 0, 2},
		{"imac-dst", 1, 0, 3},	 {"imac-src", 1, 0, 4},	  {"osrc", 1, 0, 5},
		{"odst", 1, 0, 6},	 {"pids", 1, 0, 7},	  {"live", 0, 0, 8},
		{"target", 1, 0, 9},	 {0, 0, 0, 0},
	};
	int c, d6 = 0;

	*o = (struct opts){.size = 64, .flows = 1, .macs = 1, .vnis = 1, .vni = 100, .batch = 64,
			   .cpu = -1, .seconds = 2};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->encap = !strcmp(optarg, "encap"); break;
		case '6': o->v6 = 1; break;
		case 's': o->size = atoi(optarg); break;
		case 'f': o->flows = atoi(optarg); break;
		case 'M': o->macs = atoi(optarg); break;
		case 'V': o->vnis = atoi(optarg); break;
		case 'v': o->vni = atoi(optarg); break;
		case 'b': o->batch = atoi(optarg); break;
		case 't': o->seconds = atof(optarg); break;
		case 'c': o->cpu = atoi(optarg); break;
		case 'k': o->sink = optarg; break;
		case 'p': o->prog_id = atoi(optarg); break;
		case 'd': o->delta = atoi(optarg); break;
		case 1: parse_mac(optarg, o->omac_dst); break;
		case 2: parse_mac(optarg, o->omac_src); break;
		case 3: parse_mac(optarg, o->imac_dst); break;
		case 4: parse_mac(optarg, o->imac_src); break;
		case 5: parse_ip(optarg, o->osrc, &d6); break;
		case 6: parse_ip(optarg, o->odst, &d6); break;
		case 7: o->pids = optarg; break;
		case 8: o->live = 1; break;
		case 9: o->target = optarg; break;
		default: die("bad option%s", "");
		}
	}
	if (d6)
		o->v6 = 1;
	if (o->size < 60 || o->size > 3000 || o->flows < 1 || o->macs < 1 || o->vnis < 1)
		die("bad size/flows/macs/vnis%s", "");
}

/* Frame length as bench_gen sees it. */
static int frame_len(const struct opts *o)
{
	return o->size + (o->encap ? 0 : o->v6 ? 70 : 50);
}

static struct bench_gen *gen_open(const struct opts *o)
{
	struct bench_gen *g = bench_gen__open();

	if (!g)
		die("cannot open bench_gen%s", "");
	g->rodata->mode = o->encap;
	g->rodata->v6 = o->v6;
	g->rodata->nflows = o->flows;
	g->rodata->nmacs = o->macs;
	g->rodata->nvnis = o->vnis;
	g->rodata->vni_base = o->vni;
	memcpy((void *)g->rodata->o_dmac, o->omac_dst, 6);
	memcpy((void *)g->rodata->o_smac, o->omac_src, 6);
	memcpy((void *)g->rodata->i_dmac, o->imac_dst, 6);
	memcpy((void *)g->rodata->i_smac, o->imac_src, 6);
	memcpy((void *)g->rodata->o_src, o->osrc, 16);
	memcpy((void *)g->rodata->o_dst, o->odst, 16);
	if (bench_gen__load(g))
		die("cannot load bench_gen%s", "");
	return g;
}

static int pin_open(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die("cannot open pin %s", path);
	return fd;
}

static struct sink_count sink_read(int fd)
{
	int n = libbpf_num_possible_cpus(), i;
	struct sink_count v[n], s = {};
	__u32 k = 0;

	if (bpf_map_lookup_elem(fd, &k, v))
		die("sink read failed%s", "");
	for (i = 0; i < n; i++) {
		s.packets += v[i].packets;
		s.bytes += v[i].bytes;
	}
	return s;
}

static int cmd_attach(int argc, char **argv)
{
	const char *ns, *dev, *kind, *pin;
	struct bpf_link *link = NULL;
	char path[512];
	int ifindex;

	if (argc < 5)
		die("usage: attach NS DEV sink|null|pass PIN [TARGET]%s", "");
	ns = argv[1], dev = argv[2], kind = argv[3], pin = argv[4];
	enter_ns(ns);
	ifindex = ifindex_of(dev);
	if (mkdir(pin, 0700) && errno != EEXIST)
		die("cannot create %s", pin);
	if (!strcmp(kind, "sink")) {
		struct bench_sink *s = bench_sink__open_and_load();

		if (!s)
			die("cannot load bench_sink%s", "");
		link = bpf_program__attach_xdp(s->progs.bench_sink, ifindex);
		snprintf(path, sizeof(path), "%s/count", pin);
		if (bpf_map__pin(s->maps.bench_count, path))
			die("cannot pin %s", path);
	} else {
		struct bench_null *n = bench_null__open();

		if (!n)
			die("cannot open bench_null%s", "");
		if (!strcmp(kind, "null")) {
			if (argc < 6)
				die("null needs a target device%s", "");
			n->rodata->target_ifindex = ifindex_of(argv[5]);
		}
		if (bench_null__load(n))
			die("cannot load bench_null%s", "");
		link = bpf_program__attach_xdp(!strcmp(kind, "null") ? n->progs.bench_null
								 : n->progs.bench_pass,
					       ifindex);
	}
	if (!link)
		die("cannot attach to %s", dev);
	snprintf(path, sizeof(path), "%s/link", pin);
	if (bpf_link__pin(link, path))
		die("cannot pin %s", path);
	return 0;
}

static int cmd_count(int argc, char **argv)
{
	struct sink_count s;

	if (argc < 2)
		die("usage: count PIN%s", "");
	s = sink_read(pin_open(argv[1], "count"));
	printf("%llu %llu\n", (unsigned long long)s.packets, (unsigned long long)s.bytes);
	return 0;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("cannot pin to cpu %s", "");
}

#define MAX_CPUS 64

struct cpu_times {
	unsigned long long total[MAX_CPUS], idle[MAX_CPUS], steal[MAX_CPUS];
	int n;
};

/* Per-CPU jiffies from /proc/stat ("cpuN user nice system idle iowait irq
 * softirq steal ..."). */
static void cpu_times_read(struct cpu_times *c)
{
	unsigned long long v[10];
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	int cpu, i;

	c->n = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		memset(v, 0, sizeof(v));
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 9 ||
		    cpu < 0 || cpu >= MAX_CPUS)
			continue;
		c->total[cpu] = 0;
		for (i = 0; i < 8; i++)
			c->total[cpu] += v[i];
		c->idle[cpu] = v[3] + v[4];
		c->steal[cpu] = v[7];
		if (cpu + 1 > c->n)
			c->n = cpu + 1;
	}
	fclose(f);
}

static void cpu_times_print(const struct cpu_times *a, const struct cpu_times *b)
{
	int i;

	for (i = 0; i < b->n && i < a->n; i++) {
		double t = b->total[i] - a->total[i], idle = b->idle[i] - a->idle[i],
		       st = b->steal[i] - a->steal[i];

		if (t <= 0)
			t = 1;
		printf(" %.1f %.1f", 100 * (t - idle - st) / t, 100 * st / t);
	}
}

/* Sum of the CPU time (ns) of the comma-separated pids. */
static double pids_runtime(const char *pids)
{
	char path[64], buf[256];
	const char *p = pids;
	double sum = 0;

	while (p && *p) {
		unsigned long long ns = 0;
		int pid = atoi(p);
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
		f = fopen(path, "r");
		if (!f || !fgets(buf, sizeof(buf), f) || sscanf(buf, "%llu", &ns) != 1)
			die("cannot read %s", path);
		fclose(f);
		sum += ns;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return sum;
}

static double self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmd_gen(int argc, char **argv)
{
	double r0, r1, g0, g1;
	struct cpu_times c0, c1;
	struct xdp_md ctx = {};
	struct bench_gen *g;
	struct opts o;
	struct sink_count s0, s1;
	unsigned char *frame;
	double t0, t1, tw;
	__u64 sent = 0;
	int fd, sink_fd, len, repeat;
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	if (argc < 3)
		die("usage: gen NS DEV [options] --sink PIN%s", "");
	enter_ns(argv[1]);
	ctx.ingress_ifindex = ifindex_of(argv[2]);
	parse_opts(argc - 2, argv + 2, &o);
	if (!o.sink)
		die("gen needs --sink PIN%s", "");
	pin_cpu(o.cpu);
	sink_fd = pin_open(o.sink, "count");
	g = gen_open(&o);
	fd = bpf_program__fd(g->progs.bench_gen);
	/* Every BPF_PROG_RUN of an XDP program adds it to the kernel's XDP
	 * dispatcher and removes it again, and each change waits for
	 * synchronize_rcu() (bpf_prog_change_xdp): ~20 ms per call, which
	 * left the generator asleep more than half of the time. Attached
	 * to DEV for our lifetime, bench_gen stays in the dispatcher and a
	 * test run only takes a reference. Nothing is sent to DEV (the DUT
	 * has no route back), and what would be is bounced harmlessly. */
	if (!bpf_program__attach_xdp(g->progs.bench_gen, ctx.ingress_ifindex))
		die("cannot attach bench_gen to %s", argv[2]);
	len = frame_len(&o);
	frame = calloc(1, len); /* zero payload: see bench_gen.bpf.c */
	ctx.data_end = len;	/* the kernel wants ctx to describe data_in */

	ro.data_in = frame;
	ro.data_size_in = len;
	ro.ctx_in = &ctx;
	ro.ctx_size_in = sizeof(ctx);
	ro.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
	ro.batch_size = o.batch;
	/* Short calls, so the measurement window ends close to the clock. */
	repeat = 1 << 16;

	/* Warm-up: page pool, neighbour entries, caches. */
	tw = now() + 0.3;
	while (now() < tw) {
		ro.repeat = repeat;
		if (bpf_prog_test_run_opts(fd, &ro))
			die("BPF_PROG_RUN live failed: %s", strerror(errno));
	}
	usleep(20000);
	s0 = sink_read(sink_fd);
	cpu_times_read(&c0);
	r0 = pids_runtime(o.pids);
	g0 = self_cpu_ns();
	t0 = now();
	do {
		ro.repeat = repeat;
		if (bpf_prog_test_run_opts(fd, &ro))
			die("BPF_PROG_RUN live failed: %s", strerror(errno));
		sent += repeat;
		t1 = now();
	} while (t1 - t0 < o.seconds);
	s1 = sink_read(sink_fd);
	g1 = self_cpu_ns();
	r1 = pids_runtime(o.pids);
	cpu_times_read(&c1);
	printf("%.4f %.4f %.1f %.1f", sent / (t1 - t0) / 1e6, (s1.packets - s0.packets) / (t1 - t0) / 1e6,
	       s1.packets > s0.packets ? (r1 - r0) / (s1.packets - s0.packets) : 0, (g1 - g0) / sent);
	cpu_times_print(&c0, &c1);
	printf("\n");
	return 0;
}

/* bench_null with the cost harness single- or multi-buffer. */
static struct bench_null *bench_null_open(bool frags)
{
	struct bench_null *n = bench_null__open();

	if (!n)
		die("cannot open bench_null%s", "");
	if (frags) {
		bpf_program__set_flags(n->progs.bench_cost, BPF_F_XDP_HAS_FRAGS);
		bpf_program__set_flags(n->progs.bench_move, BPF_F_XDP_HAS_FRAGS);
	}
	if (bench_null__load(n))
		die("cannot load bench_null%s", "");
	return n;
}

/* One live run of prog_fd (repeat 1,000,000): the kernel's ns per frame. */
static double live_run(int prog_fd, unsigned char *frame, int len, struct xdp_md *ctx, int batch)
{
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	ro.data_in = frame;
	ro.data_size_in = len;
	ro.ctx_in = ctx;
	ro.ctx_size_in = sizeof(*ctx);
	ro.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
	ro.batch_size = batch;
	ro.repeat = 1000000;
	if (bpf_prog_test_run_opts(prog_fd, &ro))
		die("BPF_PROG_RUN live failed: %s", strerror(errno));
	return ro.duration;
}

/* cost --live: the program with its redirect carried out (see the top). */
static int cost_live(const struct opts *o, int prog_fd, unsigned char *frame, int len,
		     struct xdp_md *ctx)
{
	double p, h = 0;

	p = live_run(prog_fd, frame, len, ctx, o->batch);
	if (o->target) {
		struct bench_null *n = bench_null__open();

		if (!n)
			die("cannot open bench_null%s", "");
		n->rodata->target_ifindex = ifindex_of(o->target);
		if (bench_null__load(n))
			die("cannot load bench_null%s", "");
		h = live_run(bpf_program__fd(n->progs.bench_null), frame, len, ctx, o->batch);
		bench_null__destroy(n);
	}
	printf("%.1f %.1f %.1f 0\n", p, h, p - h);
	return 0;
}

/* The frame bench_gen writes (flow 0), taken from a non-live run's output:
 * what `make bench` sends, as the program under test sees it. */
static unsigned char *cost_frame(const struct opts *o, int *lenp)
{
	unsigned char out[4096], *frame;
	struct bench_gen *g = gen_open(o);
	int len = frame_len(o);
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	frame = calloc(1, len);
	ro.data_in = frame;
	ro.data_size_in = len;
	ro.data_out = out;
	ro.data_size_out = sizeof(out);
	ro.repeat = 1;
	if (bpf_prog_test_run_opts(bpf_program__fd(g->progs.bench_gen), &ro) || ro.retval != XDP_TX)
		die("bench_gen failed%s", "");
	memcpy(frame, out, len);
	bench_gen__destroy(g);
	*lenp = len;
	return frame;
}

/* The cost harness (bench_cost in bench_null.bpf.c) for programs like
 * prog_fd. A program array takes programs of its first user's kind: the
 * harness is multi-buffer (xdp.frags) when the measured program is. */
static struct bench_null *harness_open(int prog_fd)
{
	struct bench_null *n = bench_null_open(false);
	int map_fd = bpf_map__fd(n->maps.progs), k = 0;

	if (bpf_map_update_elem(map_fd, &k, &prog_fd, 0) && errno == EINVAL) {
		bench_null__destroy(n);
		n = bench_null_open(true);
	}
	return n;
}

/*
 * One measurement: prog_fd run by the harness with BPF_PROG_RUN repeat
 * 1,000,000 on frame, then the harness alone (bench_move, which moves
 * data by delta as the program does); t[0], t[1] in ns per run. Returns
 * the last run's XDP verdict of the program.
 */
static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* cpu (may be NULL): the same as t, from this thread's CPU time around each
 * BPF_PROG_RUN call (the syscall included) instead of the kernel's timer,
 * which runs on while the task is preempted. */
static __u32 harness_run(struct bench_null *n, int prog_fd, int delta, unsigned char *frame, int len,
			 struct xdp_md *ctx, double t[2], __u32 *final_len, double *cpu)
{
	double c0;
	int map_fd = bpf_map__fd(n->maps.progs), k = 0, vfd, i;
	unsigned char out[4096];
	__u32 retval = 0;
	LIBBPF_OPTS(bpf_test_run_opts, ro);

	n->bss->delta = delta;
	ctx->data_end = len;
	/* 0: the measured program, 1: bench_move (the harness alone). */
	for (i = 0; i < 2; i++) {
		vfd = i ? bpf_program__fd(n->progs.bench_move) : prog_fd;
		if (bpf_map_update_elem(map_fd, &k, &vfd, 0))
			die("prog array update: %s (program type/frags differ?)", strerror(errno));
		n->bss->runs = 0;
		memset(&ro, 0, sizeof(ro));
		ro.sz = sizeof(ro);
		ro.data_in = frame;
		ro.data_size_in = len;
		ro.data_out = out;
		ro.data_size_out = sizeof(out);
		ro.ctx_in = ctx;
		ro.ctx_size_in = sizeof(*ctx);
		ro.repeat = 1000000;
		c0 = thread_cpu_ns();
		if (bpf_prog_test_run_opts(bpf_program__fd(n->progs.bench_cost), &ro))
			die("BPF_PROG_RUN failed: %s", strerror(errno));
		if (cpu)
			cpu[i] = (thread_cpu_ns() - c0) / ro.repeat;
		if (!i) {
			retval = ro.retval;
			*final_len = ro.data_size_out;
		} else if (ro.retval != XDP_REDIRECT) {
			die("harness alone failed%s", "");
		}
		t[i] = ro.duration;
	}
	return retval;
}

static int cmd_cost(int argc, char **argv)
{
	struct xdp_md ctx = {};
	struct bench_null *n;
	struct opts o;
	unsigned char *frame;
	int prog_fd, len;
	double t[2];
	__u32 final_len = 0, retval;

	if (argc < 3)
		die("usage: cost NS DEV --prog-id ID --delta D [options]%s", "");
	enter_ns(argv[1]);
	ctx.ingress_ifindex = ifindex_of(argv[2]);
	parse_opts(argc - 2, argv + 2, &o);
	pin_cpu(o.cpu);
	prog_fd = bpf_prog_get_fd_by_id(o.prog_id);
	if (prog_fd < 0)
		die("no program with id %s", "");

	frame = cost_frame(&o, &len);
	if (o.live) {
		ctx.data_end = len;
		return cost_live(&o, prog_fd, frame, len, &ctx);
	}
	n = harness_open(prog_fd);
	retval = harness_run(n, prog_fd, o.delta, frame, len, &ctx, t, &final_len, NULL);
	if (retval != XDP_REDIRECT) {
		fprintf(stderr, "vxbench: cost: retval %u, not XDP_REDIRECT\n", retval);
		return 1;
	}
	printf("%.1f %.1f %.1f %u\n", t[0], t[1], t[0] - t[1], final_len);
	return 0;
}

/*
 * vxbench floor: the ladder of bench/floor.bpf.c through the cost harness
 * (see there and bench/cost.md). Each --fdb SPEC is one instance of the
 * floor object with its own maps: N[@W][p][/M] = N fdb entries, the
 * *_spread rungs cycling over the first W of them (default N), p = the
 * fdb map preallocated (vxbpf's is BPF_F_NO_PREALLOC), /M = its
 * max_entries (default vxbpf's). --order seq|scatter: the spread rungs
 * step through the entries one by one or by a stride near 0.618 W
 * coprime with W (default). Every round measures every rung of every
 * instance once, the order reversed every other round. Rows:
 * "round spec rung prog_ns harness_ns net_ns final_len fails prog_cpu
 * harness_cpu net_cpu": the *_cpu the same from the thread's CPU time.
 */
struct floor_inst {
	struct floor *f;
	const char *spec;
	__u32 n, w, max, prealloc;
};

static __u32 gcd(__u32 a, __u32 b)
{
	while (b) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void addr_set(struct vxbpf_addr *a, const __u8 *ip, int v6)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		memcpy(a->b, ip, 16);
	} else {
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, ip, 4);
	}
}

static void floor_fill(struct floor_inst *in, const struct opts *o, int ifindex, int encap)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i;
	struct vxbpf_vni_cfg cfg = {};
	struct vxbpf_port_val pv = {};
	struct vxbpf_vtep_key vk = {};
	struct vxbpf_vtep_val vv = {};
	struct vxbpf_nh_key nk = {};
	struct vxbpf_nh_slot nv[ncpu];
	__u32 slot;
	struct vxbpf_fdb_key *fk;
	struct vxbpf_fdb_val *fv;
	__u32 chunk = 65536, done, cnt;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	addr_set(&cfg.local, o->odst, o->v6);
	cfg.be_dstport = htons(4789);
	cfg.ttl = 64;
	cfg.slot = 0;

	/* ports: the ingress device -> VNI (encap) */
	pv.vni = o->vni;
	pv.cfg = cfg;
	if (bpf_map_update_elem(bpf_map__fd(in->f->maps.vxbpf_ports), &ifindex, &pv, 0))
		die("ports update%s", "");
	/* dstports: 4789 is in use (decap, rung h) */
	i = 4789;
	cnt = 1;
	if (bpf_map_update_elem(bpf_map__fd(in->f->maps.vxbpf_dstports), &i, &cnt, 0))
		die("dstports update%s", "");
	/* vtep: (VNI, sender) -> the VNI's configuration (decap) */
	vk.vni = o->vni;
	addr_set(&vk.ip, o->osrc, o->v6);
	vv.refs = 1;
	vv.cfg = cfg;
	if (bpf_map_update_elem(bpf_map__fd(in->f->maps.vxbpf_vtep), &vk, &vv, 0))
		die("vtep update%s", "");
	/* nh_cache: (local, remote) -> next hop, on every CPU (encap) */
	nk.src = cfg.local;
	addr_set(&nk.dst, o->osrc, o->v6);
	memset(nv, 0, sizeof(nv));
	for (i = 0; i < ncpu; i++) {
		nv[i].key = nk;
		memcpy(nv[i].val.dmac, o->omac_src, 6);
		memcpy(nv[i].val.smac, o->omac_dst, 6);
		nv[i].val.ifindex = ifindex;
		nv[i].val.max_len = 65535;
		nv[i].val.expires = ~0ULL;
		/* the underlay's flags, as vxbpf's own outer_route caches
		 * them (0 would make its encap_plan ask the underlay map
		 * per frame); the floor's rungs do not read them */
		nv[i].val.ul = VXBPF_UNDERLAY_XDP;
	}
	slot = vxbpf_nh_slot0(&nk.src, &nk.dst);
	if (bpf_map_update_elem(bpf_map__fd(in->f->maps.vxbpf_nh_cache), &slot, nv, 0))
		die("nh_cache update%s", "");
	/* fdb: N MACs VM_BASE + i (the inner destination's base) in the VNI:
	 * decap a local port, encap the remote VTEP (the frame's sender) */
	fd = bpf_map__fd(in->f->maps.vxbpf_fdb);
	fk = calloc(chunk, sizeof(*fk));
	fv = calloc(chunk, sizeof(*fv));
	for (done = 0; done < in->n; done += cnt) {
		cnt = in->n - done < chunk ? in->n - done : chunk;
		for (i = 0; i < (int)cnt; i++) {
			__u32 x = done + i;

			fk[i].vni = o->vni;
			memcpy(fk[i].mac, o->imac_dst, 6);
			fk[i].mac[3] = x >> 16;
			fk[i].mac[4] = x >> 8;
			fk[i].mac[5] = x;
			if (encap) {
				addr_set(&fv[i].dst, o->osrc, o->v6);
			} else {
				fv[i].flags = VXBPF_FDB_LOCAL;
				fv[i].ifindex = ifindex;
			}
		}
		if (bpf_map_update_batch(fd, fk, fv, &cnt, &bo))
			die("fdb batch update: %s", strerror(errno));
	}
	free(fk);
	free(fv);
}

/* Is program name (floor_RUNG) one of the nr rungs asked for? */
static int floor_wanted(const char *name, const char **rname, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strncmp(name, "floor_", 6) && !strcmp(name + 6, rname[i]))
			return 1;
	return 0;
}

/* A rung of vxbpf's own code (d_x*, d_v, e_y*, e_v): it needs all its maps. */
static int floor_vx_rung(const char *r)
{
	return (r[0] == 'd' || r[0] == 'e') && r[1] == '_' && (r[2] == 'x' || r[2] == 'y' || r[2] == 'v');
}

static struct floor_inst floor_load(const char *spec, const struct opts *o, int ifindex, int encap,
				    int scatter, const char **rname, int nr)
{
	struct bpf_program *prog;
	int all_maps = 0, i;
	struct floor_inst in = {.spec = spec, .max = VXBPF_MAX_FDB};
	const char *p = spec;
	struct bpf_map *m;
	char *e;
	__u32 s;

	in.n = strtoul(p, &e, 10);
	in.w = in.n;
	if (*e == '@')
		in.w = strtoul(e + 1, &e, 10);
	if (*e == 'p')
		in.prealloc = 1, e++;
	if (*e == '/')
		in.max = strtoul(e + 1, &e, 10);
	if (*e || !in.n || !in.w || in.w > in.n || in.n > in.max || in.n > 0xffffff)
		die("bad --fdb spec %s", spec);
	in.f = floor__open();
	if (!in.f)
		die("cannot open floor%s", "");
	memcpy((void *)in.f->rodata->local_addr, &(struct vxbpf_addr){}, 16);
	{
		struct vxbpf_addr a;

		addr_set(&a, o->odst, o->v6);
		memcpy((void *)in.f->rodata->local_addr, a.b, 16);
	}
	in.f->rodata->fdb_n = in.w;
	s = 1;
	if (scatter && in.w > 2) {
		for (s = (__u32)(in.w * 0.618) | 1; gcd(s, in.w) != 1; s += 2)
			;
	}
	in.f->rodata->fdb_stride = s % in.w ? s % in.w : (in.w == 1 ? 1 : s);
	bpf_map__set_max_entries(in.f->maps.vxbpf_fdb, in.max);
	bpf_map__set_map_flags(in.f->maps.vxbpf_fdb, in.prealloc ? 0 : BPF_F_NO_PREALLOC);
	/* Only the rungs asked for: the object also holds vxbpf's programs
	 * (bench/floor.bpf.c includes bpf/vxbpf.bpf.c), never loaded here. */
	bpf_object__for_each_program(prog, in.f->obj)
		bpf_program__set_autoload(prog, floor_wanted(bpf_program__name(prog), rname, nr));
	for (i = 0; i < nr; i++)
		all_maps |= floor_vx_rung(rname[i]);
	/* Only the maps the ladder uses (maps.h declares them all); the
	 * rungs of vxbpf's own code need all of them. */
	bpf_object__for_each_map(m, in.f->obj) {
		const char *nm = bpf_map__name(m);

		if (!all_maps && !bpf_map__is_internal(m) && strcmp(nm, "vxbpf_vtep") && strcmp(nm, "vxbpf_fdb") &&
		    strcmp(nm, "vxbpf_ports") && strcmp(nm, "vxbpf_nh_cache") && strcmp(nm, "vxbpf_stats") &&
		    strcmp(nm, "vxbpf_dstports") && strcmp(nm, "vxbpf_vni_stats"))
			bpf_map__set_autocreate(m, false);
	}
	if (floor__load(in.f))
		die("cannot load floor (%s)", spec);
	floor_fill(&in, o, ifindex, encap);
	if (all_maps) {
		/* vxbpf's encap takes routes via an attached underlay only
		 * (encap_plan: the underlay map, when the next hop's cached
		 * flags are 0, as floor_fill's are). */
		__u32 ul = VXBPF_UNDERLAY_XDP;

		if (bpf_map_update_elem(bpf_map__fd(in.f->maps.vxbpf_underlay), &ifindex, &ul, 0))
			die("underlay update%s", "");
	}
	return in;
}

static int cmd_floor(int argc, char **argv)
{
	static const struct option lo[] = {
		{"rungs", 1, 0, 'r'}, {"reps", 1, 0, 'n'}, {"fdb", 1, 0, 'F'}, {"order", 1, 0, 'o'},
		{0, 0, 0, 0},
	};
	char *rungs = NULL, *fdb = strdup("10"), *tok, *save;
	const char *rname[64], *spec[16];
	struct floor_inst in[16];
	struct bench_null *n = NULL;
	struct xdp_md ctx = {};
	int nr = 0, ns = 0, reps = 1, scatter = 1, ifindex, len, r, i, j, c, nargc = 1;
	char *nargv[argc + 1];
	unsigned char *frame;
	struct opts o;

	if (argc < 3)
		die("usage: floor NS DEV --rungs R1,R2,... [--reps N] [--fdb SPEC,...] [--order "
		    "seq|scatter] [frame options]%s", "");
	enter_ns(argv[1]);
	ifindex = ctx.ingress_ifindex = ifindex_of(argv[2]);
	/* Our options first, the frame options to parse_opts. */
	nargv[0] = argv[2];
	for (i = 3; i < argc; i++) {
		c = 0;
		for (j = 0; lo[j].name; j++)
			if (argv[i][0] == '-' && argv[i][1] == '-' && !strcmp(argv[i] + 2, lo[j].name))
				c = lo[j].val;
		if (!c) {
			nargv[nargc++] = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			die("%s needs a value", argv[i]);
		switch (c) {
		case 'r': rungs = argv[++i]; break;
		case 'n': reps = atoi(argv[++i]); break;
		case 'F': fdb = argv[++i]; break;
		case 'o': scatter = strcmp(argv[++i], "seq") != 0; break;
		}
	}
	nargv[nargc] = NULL;
	parse_opts(nargc, nargv, &o);
	if (!rungs || reps < 1)
		die("floor needs --rungs%s", "");
	for (tok = strtok_r(rungs, ",", &save); tok && nr < 64; tok = strtok_r(NULL, ",", &save))
		rname[nr++] = tok;
	for (tok = strtok_r(fdb, ",", &save); tok && ns < 16; tok = strtok_r(NULL, ",", &save))
		spec[ns++] = tok;
	pin_cpu(o.cpu);
	frame = cost_frame(&o, &len);
	for (i = 0; i < ns; i++)
		in[i] = floor_load(spec[i], &o, ifindex, o.encap, scatter, rname, nr);

	for (r = 0; r < reps; r++) {
		for (c = 0; c < ns * nr; c++) {
			int k = r % 2 ? ns * nr - 1 - c : c, si = k / nr, ri = k % nr, delta = 0;
			const char *rn = rname[ri];
			struct bpf_program *p;
			char full[64];
			double t[2], cpu[2];
			__u32 final_len = 0, rv;

			snprintf(full, sizeof(full), "floor_%s", rn);
			p = bpf_object__find_program_by_name(in[si].f->obj, full);
			if (!p)
				die("no rung %s", rn);
			/* What the rung moves data by: the harness restores it. */
			if (rn[0] == 'd' && rn[2] >= 'c')
				delta = o.v6 ? 70 : 50;
			if (rn[0] == 'e' && rn[2] >= 'f')
				delta = o.v6 ? -70 : -50;
			/* vxbpf's own code (e_y*, e_v) encapsulates in IPv6 too */
			if (rn[0] == 'e' && o.v6 && !floor_vx_rung(rn))
				die("encap floor: IPv4 outer only%s", "");
			if (!n)
				n = harness_open(bpf_program__fd(p));
			in[si].f->bss->floor_fail = 0;
			in[si].f->bss->fdb_cur = 0;
			rv = harness_run(n, bpf_program__fd(p), delta, frame, len, &ctx, t, &final_len, cpu);
			printf("%d\t%s\t%s\t%.1f\t%.1f\t%.1f\t%u\t%llu\t%.1f\t%.1f\t%.1f\n", r + 1,
			       in[si].spec, rn, t[0], t[1], t[0] - t[1], final_len,
			       (unsigned long long)in[si].f->bss->floor_fail + (rv != XDP_REDIRECT), cpu[0],
			       cpu[1], cpu[0] - cpu[1]);
			fflush(stdout);
		}
	}
	return 0;
}

/*
 * lines PROG_ID [DIR]: where each source line of a loaded program begins
 * in its machine code, as "ADDRESS FILE:LINE SOURCE", from the kernel's
 * jited line info; DIR gets the machine code of each of its functions, as
 * a file named by the function's first ADDRESS. bpftool's `dump jited`
 * needs libbfd, which Debian's lacks. bench/profile.sh places perf's
 * samples with it.
 */
static int cmd_lines(int argc, char **argv)
{
	struct bpf_prog_info info = {}, more = {};
	__u32 len = sizeof(info), i, *lens = NULL;
	struct bpf_line_info *li;
	__u64 *jl, *syms = NULL;
	__u8 *image = NULL;
	struct btf *btf;
	int fd;

	if (argc != 2 && argc != 3)
		die("usage: vxbench lines PROG_ID [DIR]%s", "");
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		die("cannot read program %s", argv[1]);
	if (!info.nr_line_info || info.nr_jited_line_info != info.nr_line_info)
		die("program %s has no jited line info", argv[1]);
	li = calloc(info.nr_line_info, sizeof(*li));
	jl = calloc(info.nr_jited_line_info, sizeof(*jl));
	if (argc == 3) {
		image = malloc(info.jited_prog_len);
		syms = calloc(info.nr_jited_ksyms, sizeof(*syms));
		lens = calloc(info.nr_jited_func_lens, sizeof(*lens));
	}
	if (!li || !jl || (argc == 3 && (!image || !syms || !lens)))
		die("out of memory%s", "");
	more.nr_line_info = info.nr_line_info;
	more.line_info_rec_size = sizeof(*li);
	more.line_info = (__u64)(unsigned long)li;
	more.nr_jited_line_info = info.nr_jited_line_info;
	more.jited_line_info_rec_size = sizeof(*jl);
	more.jited_line_info = (__u64)(unsigned long)jl;
	if (argc == 3) {
		more.jited_prog_len = info.jited_prog_len;
		more.jited_prog_insns = (__u64)(unsigned long)image;
		more.nr_jited_ksyms = info.nr_jited_ksyms;
		more.jited_ksyms = (__u64)(unsigned long)syms;
		more.nr_jited_func_lens = info.nr_jited_func_lens;
		more.jited_func_lens = (__u64)(unsigned long)lens;
	}
	len = sizeof(more);
	if (bpf_obj_get_info_by_fd(fd, &more, &len))
		die("cannot read the line info of program %s", argv[1]);
	/* The image holds the functions one after the other, in ksym order. */
	for (i = 0, len = 0; argc == 3 && i < info.nr_jited_ksyms && i < info.nr_jited_func_lens; i++) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%llx", argv[2], (unsigned long long)syms[i]);
		f = fopen(path, "w");
		if (!f || len + lens[i] > info.jited_prog_len ||
		    fwrite(image + len, 1, lens[i], f) != lens[i] || fclose(f))
			die("cannot write %s", path);
		len += lens[i];
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		die("program %s: no BTF", argv[1]);
	for (i = 0; i < info.nr_line_info; i++) {
		const char *file = btf__name_by_offset(btf, li[i].file_name_off);
		const char *src = btf__name_by_offset(btf, li[i].line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		printf("%llx %s:%u %s\n", (unsigned long long)jl[i], base ? base + 1 : file ? file : "?",
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col), src ? src : "");
	}
	btf__free(btf);
	free(li);
	free(jl);
	free(image);
	free(syms);
	free(lens);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: vxbench attach|count|gen|cost|floor|lines ...%s", "");
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (!strcmp(argv[1], "count"))
		return cmd_count(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cost"))
		return cmd_cost(argc - 1, argv + 1);
	if (!strcmp(argv[1], "floor"))
		return cmd_floor(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lines"))
		return cmd_lines(argc - 1, argv + 1);
	die("unknown command %s", argv[1]);
	return 1;
}
