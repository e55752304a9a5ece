// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf metrics: the counters in the Prometheus text exposition format
 * (version 0.0.4, what Prometheus scrapes): counter families named
 * vxbpf_..._total with samples of the same name, gauges for what goes up
 * and down (map fill, learned entries, mirror health, monitor --exec
 * runs). The numbers are those of `vxbpf -j stats` and `vxbpf -j status`
 * (and of a running monitor's state file), read in one pass.
 *
 * `metrics --listen ADDR:PORT` serves the same at /metrics with
 * libmicrohttpd, one page per scrape, until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "cmd.h"
#include "counters.h"
#include "mirror.h"

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f), fputc(*v, f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void write_reasons(FILE *f, const struct vx_counters *c)
{
	size_t i;

	family(f, "vxbpf_packets_total", "counter",
	       "Packets by the reason of the fast path's verdict (vxbpf stats).");
	for (i = 0; i < VXBPF_R_MAX; i++)
		fprintf(f, "vxbpf_packets_total{reason=\"%s\"} %llu\n", vx_reasons[i].name,
			(unsigned long long)c->reason[i].packets);
	family(f, "vxbpf_bytes_total", "counter", "Bytes by the reason of the fast path's verdict.");
	for (i = 0; i < VXBPF_R_MAX; i++)
		fprintf(f, "vxbpf_bytes_total{reason=\"%s\"} %llu\n", vx_reasons[i].name,
			(unsigned long long)c->reason[i].bytes);
}

/* One per-VNI family: the value at offset off of struct vx_vni_counters. */
struct vni_metric {
	const char *name, *type, *help, *labels;
	size_t off;
};

#define VM(n, t, h, l, field) { n, t, h, l, offsetof(struct vx_vni_counters, field) }

static const struct vni_metric vni_metrics[] = {
	VM("vxbpf_vni_rx_packets_total", "counter", "Frames decapsulated by the fast path.", "", s.rx_packets),
	VM("vxbpf_vni_rx_bytes_total", "counter", "Inner bytes decapsulated by the fast path.", "", s.rx_bytes),
	VM("vxbpf_vni_tx_packets_total", "counter", "Frames encapsulated by the fast path.", "", s.tx_packets),
	VM("vxbpf_vni_tx_bytes_total", "counter", "Inner bytes encapsulated by the fast path.", "", s.tx_bytes),
	VM("vxbpf_vni_flood_frames_total", "counter",
	   "Broadcast, multicast and unknown unicast frames vxbpf replicated.", ",direction=\"tx\"",
	   f.tx_frames),
	VM("vxbpf_vni_flood_frames_total", NULL, NULL, ",direction=\"rx\"", f.rx_frames),
	VM("vxbpf_vni_flood_copies_total", "counter", "Copies the replication made.",
	   ",direction=\"tx\",to=\"port\"", f.tx_port_copies),
	VM("vxbpf_vni_flood_copies_total", NULL, NULL, ",direction=\"tx\",to=\"vtep\"",
	   f.tx_vtep_copies),
	VM("vxbpf_vni_flood_copies_total", NULL, NULL, ",direction=\"rx\",to=\"port\"",
	   f.rx_port_copies),
	VM("vxbpf_vni_events_suppressed_total", "counter",
	   "Miss and learn events not sent: over the VNI's budget.", "", events_suppressed),
	VM("vxbpf_vni_learn_refused_total", "counter",
	   "Learns refused: maxaddress, the bound over all VNIs, or a full fdb map.", "",
	   s.learn_refused),
	VM("vxbpf_vni_learned_entries", "gauge", "Fdb entries learned by the fast path, now.", "",
	   learned),
};

static void write_vnis(FILE *f, const struct vx_counters *c)
{
	size_t m, i;

	for (m = 0; m < sizeof(vni_metrics) / sizeof(vni_metrics[0]); m++) {
		const struct vni_metric *vm = &vni_metrics[m];

		if (vm->type)
			family(f, vm->name, vm->type, vm->help);
		for (i = 0; i < c->n_vni; i++)
			fprintf(f, "%s{vni=\"%u\"%s} %llu\n", vm->name, c->vni[i].vni, vm->labels,
				(unsigned long long)*(const __u64 *)((const char *)&c->vni[i] + vm->off));
	}
	family(f, "vxbpf_vni_maxaddress", "gauge",
	       "The VNI's bound on learned entries (0: none of its own).");
	for (i = 0; i < c->n_vni; i++)
		fprintf(f, "vxbpf_vni_maxaddress{vni=\"%u\"} %u\n", c->vni[i].vni, c->vni[i].maxaddr);
	family(f, "vxbpf_learned_entries", "gauge", "Fdb entries learned by the fast path, all VNIs.");
	fprintf(f, "vxbpf_learned_entries %llu\n", (unsigned long long)c->learned);
	family(f, "vxbpf_learned_swept_total", "counter",
	       "Learned entries aged out by the sweep without being met again.");
	fprintf(f, "vxbpf_learned_swept_total %llu\n", (unsigned long long)c->swept);
}

static int write_maps(FILE *f, struct vx_maps *m)
{
	static const enum vx_map_id shown[] = { M_VNI, M_FDB, M_FLOOD, M_NEIGH,
						M_VTEP, M_PORTS, M_REMOTES, M_VNI_PORTS };
	size_t i, n[sizeof(shown) / sizeof(shown[0])];
	int err;

	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		err = map_entries(m, shown[i], &n[i]);
		if (err) {
			vx_err("cannot read the %s map: %s", vx_map_names[shown[i]], vx_strerror(err));
			return err;
		}
	}
	family(f, "vxbpf_map_entries", "gauge", "Entries in each of vxbpf's tables.");
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		fprintf(f, "vxbpf_map_entries{map=\"%s\"} %zu\n", vx_map_names[shown[i]], n[i]);
	family(f, "vxbpf_map_capacity", "gauge", "Entries each table can hold (max_entries).");
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		fprintf(f, "vxbpf_map_capacity{map=\"%s\"} %u\n", vx_map_names[shown[i]],
			m->max_entries[shown[i]]);
	return 0;
}

/* Mirror daemons: one pass over the state files per family. */
enum { MS_IN_SYNC, MS_RESYNCS, MS_FAILURES, MS_OVERRUNS, MS_LEFT_OUT, MS_LAST_OK, MS__NR };

static const struct {
	const char *name, *type, *help;
} mirror_families[MS__NR] = {
	{ "vxbpf_mirror_in_sync", "gauge",
	  "1 when the daemon's last resync worked and everything fit the maps." },
	{ "vxbpf_mirror_resyncs_total", "counter", "Resyncs of the daemon (full table reads)." },
	{ "vxbpf_mirror_resync_failures_total", "counter", "Resyncs that failed." },
	{ "vxbpf_mirror_overruns_total", "counter",
	  "Kernel event queue overruns (ENOBUFS), each answered by a resync." },
	{ "vxbpf_mirror_left_out_entries", "gauge",
	  "Kernel entries left to the kernel: the maps are full." },
	{ "vxbpf_mirror_last_success_timestamp_seconds", "gauge",
	  "Wall-clock time of the last resync that worked (0: never)." },
};

struct mirror_pass {
	FILE *f;
	int which;
};

static int mirror_cb(int pid, const struct mirror_state *s, double retry_at, void *ctx)
{
	struct mirror_pass *p = ctx;
	double v;

	switch (p->which) {
	case MS_IN_SYNC:
		v = !s->last_err && !s->left_out;
		break;
	case MS_RESYNCS:
		v = s->resyncs;
		break;
	case MS_FAILURES:
		v = s->failures;
		break;
	case MS_OVERRUNS:
		v = s->overruns;
		break;
	case MS_LEFT_OUT:
		v = s->left_out;
		break;
	default:
		v = s->last_ok;
		break;
	}
	fprintf(p->f, "%s{pid=\"%d\",devices=\"", mirror_families[p->which].name, pid);
	label(p->f, s->devices);
	fprintf(p->f, "\"} %.17g\n", v);
	return 0;
}

static void write_mirrors(FILE *f)
{
	struct mirror_pass p = { .f = f };

	for (p.which = 0; p.which < MS__NR; p.which++) {
		family(f, mirror_families[p.which].name, mirror_families[p.which].type,
		       mirror_families[p.which].help);
		mirror_state_walk(mirror_cb, &p);
	}
}

/* Monitors (`vxbpf monitor --exec`): what became of the events given to
 * PROG. Their state files are read once, then printed family by family:
 * a pass over the files per family could read a monitor's events from
 * one of its writes and its runs and skips from the next (it publishes
 * every second), and then events would not be runs + skipped + failed
 * within one scrape, or a monitor would be in some families only. */
enum { MO_EVENTS, MO_RUNS, MO_SKIPPED, MO_FAILED, MO_RUNNING, MO_MAX, MO__NR };

static const struct {
	const char *name, *type, *help;
} monitor_families[MO__NR] = {
	{ "vxbpf_monitor_events_total", "counter",
	  "Events the monitor received for --exec (runs + skipped + failed)." },
	{ "vxbpf_monitor_exec_runs_total", "counter", "Runs of the --exec program started." },
	{ "vxbpf_monitor_exec_skipped_total", "counter",
	  "Events not passed to the --exec program: --max-children runs were going." },
	{ "vxbpf_monitor_exec_failed_total", "counter", "Runs that could not start (PROG could not be executed, or no process)." },
	{ "vxbpf_monitor_exec_running", "gauge", "Runs of the --exec program going now." },
	{ "vxbpf_monitor_exec_max_children", "gauge", "The monitor's --max-children." },
};

struct monitor_seen {
	int pid;
	struct monitor_state s;
	char *exec; /* s.exec, ours */
};

struct monitor_snap {
	struct monitor_seen *m;
	size_t n, cap;
};

static int monitor_keep(int pid, const struct monitor_state *s, void *ctx)
{
	struct monitor_snap *snap = ctx;
	struct monitor_seen *m;

	if (snap->n == snap->cap) {
		size_t nc = snap->cap ? snap->cap * 2 : 8;

		m = realloc(snap->m, nc * sizeof(*m));
		if (!m)
			return -ENOMEM;
		snap->m = m;
		snap->cap = nc;
	}
	m = &snap->m[snap->n];
	m->exec = strdup(s->exec ? s->exec : "");
	if (!m->exec)
		return -ENOMEM;
	m->pid = pid;
	m->s = *s;
	m->s.exec = m->exec;
	snap->n++;
	return 0;
}

static unsigned long monitor_value(const struct monitor_state *s, int which)
{
	switch (which) {
	case MO_EVENTS:
		return s->events;
	case MO_RUNS:
		return s->runs;
	case MO_SKIPPED:
		return s->skipped;
	case MO_FAILED:
		return s->failed;
	case MO_RUNNING:
		return s->running;
	default:
		return s->max_children;
	}
}

static void write_monitors(FILE *f)
{
	struct monitor_snap snap = {};
	size_t i;
	int which;

	/* Out of memory: those read so far. */
	monitor_state_walk(monitor_keep, &snap);
	for (which = 0; which < MO__NR; which++) {
		family(f, monitor_families[which].name, monitor_families[which].type,
		       monitor_families[which].help);
		for (i = 0; i < snap.n; i++) {
			fprintf(f, "%s{pid=\"%d\",exec=\"", monitor_families[which].name,
				snap.m[i].pid);
			label(f, snap.m[i].exec);
			fprintf(f, "\"} %lu\n", monitor_value(&snap.m[i].s, which));
		}
	}
	for (i = 0; i < snap.n; i++)
		free(snap.m[i].exec);
	free(snap.m);
}

/* The whole page into f; 0 or -errno (printed). */
static int metrics_write(FILE *f)
{
	struct vx_counters c;
	struct vx_maps m;
	int err;

	err = maps_open_existing(&m);
	if (err)
		return err;
	err = counters_read(&m, &c);
	if (!err) {
		write_reasons(f, &c);
		write_vnis(f, &c);
		err = write_maps(f, &m);
		counters_free(&c);
	}
	if (!err) {
		write_mirrors(f);
		write_monitors(f);
	}
	maps_close(&m);
	return err;
}

/* ---- --listen ---------------------------------------------------------- */

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **req)
{
	struct MHD_Response *resp;
	char *page = NULL;
	size_t len = 0;
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;
	FILE *f;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	f = open_memstream(&page, &len);
	if (!f)
		return MHD_NO;
	if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		fputs("vxbpf serves /metrics\n", f);
	} else if (metrics_write(f)) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		fputs("vxbpf: cannot read the maps (see its standard error)\n", f);
	}
	if (fclose(f))
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* "PORT" (loopback), "ADDR:PORT", "[ADDR6]:PORT" into sa; -EINVAL. */
static int listen_addr(const char *s, struct sockaddr_storage *sa)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;

	memset(sa, 0, sizeof(*sa));
	if (colon) {
		size_t n = colon - s;

		if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
			s++, n -= 2;
		if (!n || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = 0;
		s = colon + 1;
	}
	port = strtoul(s, &end, 10);
	if (!*s || *end || !port || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

static int serve(const char *where)
{
	struct sockaddr_storage sa;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	sigset_t set;
	int sig;

	if (listen_addr(where, &sa)) {
		vx_err("invalid listen address \"%s\" (PORT, ADDR:PORT or [ADDR6]:PORT)", where);
		return -EINVAL;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Blocked before the server's thread starts, so it inherits the
	 * mask and only sigwait() sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(flags, 0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 16U,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!d) {
		vx_err("cannot listen on %s: %s", where, errno ? strerror(errno) : "in use or not allowed");
		return -EADDRINUSE;
	}
	fprintf(stderr, "vxbpf: metrics at http://%s%s/metrics\n", strchr(where, ':') ? "" : "127.0.0.1:",
		where);
	do {
		if (sigwait(&set, &sig))
			break;
	} while (sig == SIGHUP);
	MHD_stop_daemon(d);
	return 0;
}

int run_metrics(const struct vx_cmd *c)
{
	int err;

	if (c->listen)
		return serve(c->listen);
	err = metrics_write(stdout);
	fflush(stdout);
	return err;
}
