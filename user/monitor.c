// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf monitor: print the fast path's l2miss, l3miss and learn events in
 * the words of `ip monitor neigh` on a vxlan device with l2miss/l3miss
 * (the seed's "unicast with dynamic L3 entries"), and optionally run a
 * program per event, so a small resolver can answer with
 * `vxbpf neigh add` / `vxbpf fdb add`.
 *
 * PROG runs are not waited for, but they are counted: at most
 * --max-children (MONITOR_CHILDREN by default) at once. A VM that sends to
 * thousands of unknown addresses then costs a bounded number of
 * processes; the events beyond are skipped and said so (a miss recurs a
 * second later if it still matters). Children are reaped here, so that
 * PROG starts with SIGCHLD at its default: an ignored SIGCHLD is inherited
 * across exec and breaks the waits of a shell script.
 *
 * What became of the events is counted (events = runs + skipped +
 * failed): told in the once-a-second warning, in a last record at exit,
 * and published while the monitor runs for `vxbpf metrics`
 * (mirror_state.c: a file per daemon under /run/vxbpf, as the mirror's).
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "common.h"
#include "json.h"
#include "mirror.h"
#include "pins.h"
#include "resolve.h"

#define MONITOR_CHILDREN 64

extern char **environ;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct mon {
	const struct vx_cmd *cmd;
	__u32 seen;
	int vni_fd; /* the VTEP's source address for `resolve` */
	unsigned running, max_running;
	unsigned long skipped_told;
	time_t told_at;
	struct monitor_state st; /* the counts, published for `vxbpf metrics` */
	time_t published_at;
	bool publish;		 /* a count changed since the last publish */
	int publish_err;	 /* of the last publish */
};

/* Collect the PROG runs that ended. */
static void reap(struct mon *mon)
{
	pid_t pid;

	while (mon->running && (pid = waitpid(-1, NULL, WNOHANG)) != 0) {
		if (pid < 0) {
			/* ECHILD: none left to wait for, whatever was counted. */
			mon->running = 0;
			break;
		}
		mon->running--;
	}
	if (mon->st.running != mon->running) {
		mon->st.running = mon->running;
		mon->publish = true;
	}
}

/* The counts for `vxbpf metrics`: at most once a second, and at start. A
 * write that failed is tried again a second later, events or not: the
 * monitor would else be missing from the metrics until its next event. */
static void publish(struct mon *mon, bool now)
{
	time_t t = time(NULL);
	int err;

	if (!now && (!mon->publish || t == mon->published_at))
		return;
	err = monitor_state_publish(&mon->st);
	/* Said once, not at every try. */
	if (err && err != mon->publish_err && vx_verbose)
		vx_info("monitor: cannot write its counts for vxbpf metrics under /run/vxbpf: %s",
			vx_strerror(err));
	mon->publish_err = err;
	mon->published_at = t;
	mon->publish = err != 0;
}

/* Events skipped at the cap: said at most once a second. */
static void tell_skipped(struct mon *mon)
{
	time_t now = time(NULL);

	if (mon->st.skipped == mon->skipped_told || now == mon->told_at)
		return;
	vx_warn("monitor: %lu events not passed to the program: %u runs of it still going "
		"(--max-children); %lu skipped of %lu events so far",
		mon->st.skipped - mon->skipped_told, mon->running, mon->st.skipped, mon->st.events);
	mon->skipped_told = mon->st.skipped;
	mon->told_at = now;
}

/* The last record, at exit: what became of the events given to PROG. */
static void summary_print(const struct mon *mon)
{
	out_open_obj(NULL);
	out_open_obj("summary");
	out_u64("events", "summary: %llu events", mon->st.events);
	out_u64("runs", ", %llu runs", mon->st.runs);
	out_u64("skipped", ", %llu skipped", mon->st.skipped);
	out_u64("failed", ", %llu failed to start", mon->st.failed);
	out_u64("max_children", " (--max-children %llu", mon->max_running);
	out_u64("peak_running", ", at most %llu at once", mon->st.peak);
	out_u64("running", ", %llu still running)", mon->running);
	out_close_obj();
	out_close_obj();
	out_record_end();
}

static const char *event_name(__u32 type)
{
	switch (type) {
	case VXBPF_EV_L2MISS:
		return "l2miss";
	case VXBPF_EV_L3MISS:
		return "l3miss";
	case VXBPF_EV_LEARN:
		return "learn";
	case VXBPF_EV_RESOLVE:
		return "resolve";
	}
	return "unknown";
}

/* As `ip monitor neigh`: "miss 2001:db8:ff::12", "miss lladdr MAC". */
static void event_print(const struct vxbpf_event *ev, const char *ifname)
{
	char a[VX_ADDRSTRLEN], m[VX_MACSTRLEN];

	addr_fmt(&ev->ip, a);
	mac_fmt(ev->mac, m);
	out_open_obj(NULL);
	out_str("event", NULL, event_name(ev->type));
	out_text("%s", ev->type == VXBPF_EV_LEARN	? "learn" :
		       ev->type == VXBPF_EV_RESOLVE ? "resolve" :
						      "miss");
	if (ev->type == VXBPF_EV_L2MISS || ev->type == VXBPF_EV_LEARN)
		out_str("lladdr", " lladdr %s", m);
	if (ev->type == VXBPF_EV_L3MISS || ev->type == VXBPF_EV_RESOLVE)
		out_str("dst", " %s", a);
	out_u64("vni", " vni %llu", ev->vni);
	if (ev->type == VXBPF_EV_LEARN)
		out_str("dst", " dst %s", a);
	out_str("dev", " dev %s", ifname);
	out_close_obj();
	out_record_end();
}

/* NAME=VALUE into buf. */
static char *env_one(char *buf, size_t len, const char *name, const char *val)
{
	snprintf(buf, len, "%s=%s", name, val);
	return buf;
}

/*
 * PROG EVENT VNI ADDR, with the same in the environment: VXBPF_EVENT,
 * VXBPF_VNI, VXBPF_DST (l3miss, learn), VXBPF_LLADDR (l2miss, learn),
 * VXBPF_DEV. Not waited for: a slow resolver must not stall the ring.
 *
 * Started with posix_spawnp(), as a service starts: SIGCHLD, SIGINT and
 * SIGTERM at their default and nothing blocked (an ignored signal and a
 * mask survive exec), set in the child before any signal can reach it
 * (after a fork(), a SIGTERM meant for the monitor would have run its
 * handler in the child, and PROG would have started anyway). A PROG that
 * cannot be executed is known here, and counted as failed to start, not
 * as a run.
 */
static void event_exec(struct mon *mon, const char *prog, const struct vxbpf_event *ev,
		       const char *ifname)
{
	static const char *const ours[] = { "VXBPF_EVENT=", "VXBPF_VNI=", "VXBPF_DEV=",
					    "VXBPF_DST=", "VXBPF_LLADDR=" };
	char a[VX_ADDRSTRLEN], m[VX_MACSTRLEN], vni[16];
	char e_ev[32], e_vni[32], e_dev[IF_NAMESIZE + 16], e_dst[VX_ADDRSTRLEN + 16],
		e_ll[VX_MACSTRLEN + 16];
	char *argv[5], **envp;
	posix_spawnattr_t at;
	sigset_t set;
	size_t n = 0, i, j;
	pid_t pid;
	int err;

	reap(mon);
	mon->st.events++;
	mon->publish = true;
	if (mon->running >= mon->max_running) {
		mon->st.skipped++;
		tell_skipped(mon);
		return;
	}
	addr_fmt(&ev->ip, a);
	mac_fmt(ev->mac, m);
	snprintf(vni, sizeof(vni), "%u", ev->vni);
	while (environ && environ[n])
		n++;
	envp = calloc(n + ARRAY_SIZE(ours) + 1, sizeof(*envp));
	if (!envp) {
		mon->st.failed++;
		vx_warn("cannot run %s: %s", prog, strerror(ENOMEM));
		return;
	}
	/* The monitor's environment, but for what is set here. */
	for (i = 0, n = 0; environ && environ[i]; i++) {
		for (j = 0; j < ARRAY_SIZE(ours); j++)
			if (!strncmp(environ[i], ours[j], strlen(ours[j])))
				break;
		if (j == ARRAY_SIZE(ours))
			envp[n++] = environ[i];
	}
	envp[n++] = env_one(e_ev, sizeof(e_ev), "VXBPF_EVENT", event_name(ev->type));
	envp[n++] = env_one(e_vni, sizeof(e_vni), "VXBPF_VNI", vni);
	envp[n++] = env_one(e_dev, sizeof(e_dev), "VXBPF_DEV", ifname);
	if (ev->type != VXBPF_EV_L2MISS)
		envp[n++] = env_one(e_dst, sizeof(e_dst), "VXBPF_DST", a);
	if (ev->type != VXBPF_EV_L3MISS)
		envp[n++] = env_one(e_ll, sizeof(e_ll), "VXBPF_LLADDR", m);
	envp[n] = NULL;
	argv[0] = (char *)prog;
	argv[1] = (char *)event_name(ev->type);
	argv[2] = vni;
	argv[3] = ev->type == VXBPF_EV_L2MISS ? m : a;
	argv[4] = NULL;

	err = posix_spawnattr_init(&at);
	if (!err) {
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		err = posix_spawnattr_setsigdefault(&at, &set);
		sigemptyset(&set);
		if (!err)
			err = posix_spawnattr_setsigmask(&at, &set);
		if (!err)
			err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
		if (!err)
			err = posix_spawnp(&pid, prog, NULL, &at, argv, envp);
		posix_spawnattr_destroy(&at);
	}
	free(envp);
	if (err) {
		mon->st.failed++;
		vx_warn("cannot run %s: %s", prog, strerror(err));
		return;
	}
	mon->st.runs++;
	mon->st.running = ++mon->running;
	if (mon->running > mon->st.peak)
		mon->st.peak = mon->running;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct mon *mon = ctx;
	const struct vxbpf_event *ev = data;
	char ifname[IF_NAMESIZE] = "?";

	if (len < sizeof(*ev))
		return 0;
	if (!if_indextoname(ev->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "if%u", ev->ifindex);
	/* The fast path met a VTEP without an outer neighbour: ask the
	 * kernel to resolve it, as a first packet would have. Handled here,
	 * shown with -v only, never passed to PROG. */
	if (ev->type == VXBPF_EV_RESOLVE) {
		struct vxbpf_vni_cfg vc;
		__u32 vni = ev->vni;
		bool known = !bpf_map_lookup_elem(mon->vni_fd, &vni, &vc);
		int err = underlay_resolve(&ev->ip, known ? &vc.local : NULL);

		if (vx_verbose)
			event_print(ev, ifname);
		if (err && vx_verbose) {
			char a[VX_ADDRSTRLEN];

			vx_warn("cannot resolve %s: %s", addr_fmt(&ev->ip, a), vx_strerror(err));
		}
		return 0;
	}
	event_print(ev, ifname);
	if (mon->cmd->exec)
		event_exec(mon, mon->cmd->exec, ev, ifname);
	/* Stop consuming right here: the next record is not ours. */
	if (mon->cmd->count && ++mon->seen >= mon->cmd->count) {
		stop = 1;
		return -ECANCELED;
	}
	return 0;
}

int run_monitor(const struct vx_cmd *c)
{
	struct mon mon = { .cmd = c,
			   .max_running = c->max_children ? c->max_children : MONITOR_CHILDREN };
	struct ring_buffer *rb = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;
	struct vx_maps m;
	int err;

	err = maps_open(&m, true);
	if (err)
		return err;
	mon.vni_fd = m.fd[M_VNI];
	rb = ring_buffer__new(m.fd[M_EVENTS], on_event, &mon, NULL);
	if (!rb) {
		err = -errno;
		vx_err("cannot open the events ring buffer: %s", vx_strerror(err));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Inherited ignored, the kernel would reap the runs behind our back
	 * and the count of running ones would never go down. */
	signal(SIGCHLD, SIG_DFL);
	/* Inherited blocked, SIGTERM would never stop us (and PROG would
	 * start with them blocked). */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	mon.st.max_children = mon.max_running;
	mon.st.exec = c->exec;
	publish(&mon, true);
	while (!stop) {
		reap(&mon);
		tell_skipped(&mon);
		publish(&mon, false);
		err = ring_buffer__poll(rb, 500);
		if (err == -EINTR || err == -ECANCELED) {
			err = 0;
			continue;
		}
		if (err < 0) {
			vx_err("reading events: %s", vx_strerror(err));
			goto out;
		}
		err = 0;
	}
out:
	if (c->exec && rb) {
		reap(&mon);
		mon.told_at = 0;
		tell_skipped(&mon);
		summary_print(&mon);
	}
	monitor_state_remove();
	ring_buffer__free(rb);
	maps_close(&m);
	return err;
}
