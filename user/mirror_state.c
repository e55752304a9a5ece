// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a running `vxbpf mirror` tells `vxbpf status`: a small file per
 * daemon under /run/vxbpf (one directory per pin directory, so per network
 * namespace), rewritten whole (rename) after every resync. A daemon that
 * cannot keep vxbpf equal to the kernel (a full map, say) must be seen
 * where one looks, not only in its log.
 *
 * Each daemon holds an flock on its mirror-PID.lock for as long as it
 * runs: a lock that can be taken is a daemon gone (killed without its
 * cleanup), whose files status removes; a PID alone could be reused.
 *
 * A running `vxbpf monitor` publishes its counts the same way, in
 * monitor-PID (with monitor-PID.lock), for `vxbpf metrics`.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "json.h"
#include "mirror.h"
#include "pins.h"

#define RUN_ROOT "/run/vxbpf"

/* /run/vxbpf/<pin dir, '/' as '_'>: one per set of maps. */
static int state_dir(char *dir, size_t len)
{
	char pins[512];
	size_t i, n;
	int err = pins_dir(pins, sizeof(pins));

	if (err)
		return err;
	n = (size_t)snprintf(dir, len, RUN_ROOT "/%s", pins);
	for (i = strlen(RUN_ROOT) + 1; i < n && i < len; i++)
		if (dir[i] == '/')
			dir[i] = '_';
	return 0;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The lock of this process, a mirror or a monitor (never both). */
static int lock_fd = -1;

/*
 * The daemon's lock, held until it exits. A `status` that looked between
 * our open and our flock took the file for a dead daemon's and removed
 * it: a lock on a removed file tells nobody anything, so take a new one.
 * Checked at every publish, so a lock file removed by hand comes back too.
 */
static int state_lock(const char *dir, const char *kind)
{
	char path[700];
	struct stat st;
	int tries;

	if (lock_fd >= 0 && !fstat(lock_fd, &st) && st.st_nlink > 0)
		return 0;
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
	snprintf(path, sizeof(path), "%s/%s-%d.lock", dir, kind, (int)getpid());
	for (tries = 0; tries < 3; tries++) {
		lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (lock_fd < 0)
			return -errno;
		if (!flock(lock_fd, LOCK_EX | LOCK_NB) && !fstat(lock_fd, &st) && st.st_nlink > 0)
			return 0;
		close(lock_fd);
		lock_fd = -1;
	}
	return -EAGAIN;
}

/* path.tmp, where a state file is written before its rename. */
static const char *tmp_of(const char *path)
{
	static char tmp[720];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return tmp;
}

/* Open the state file of this process (kind-PID) for writing, under its
 * lock; *f is a temporary, state_commit() puts it in place. */
static int state_begin(const char *kind, FILE **f, char *path, size_t len)
{
	char dir[600];
	int err;

	if (state_dir(dir, sizeof(dir)))
		return -EINVAL;
	if ((mkdir(RUN_ROOT, 0755) && errno != EEXIST) || (mkdir(dir, 0755) && errno != EEXIST))
		return -errno;
	err = state_lock(dir, kind);
	if (err)
		return err;
	snprintf(path, len, "%s/%s-%d", dir, kind, (int)getpid());
	*f = fopen(tmp_of(path), "w");
	return *f ? 0 : -errno;
}

static int state_commit(FILE *f, const char *path)
{
	if (fclose(f) || rename(tmp_of(path), path)) {
		unlink(tmp_of(path));
		return -errno;
	}
	return 0;
}

int mirror_state_publish(const struct mirror_state *s)
{
	char path[700];
	FILE *f;
	int err = state_begin("mirror", &f, path, sizeof(path));

	if (err)
		return err;
	fprintf(f, "devices %s\nresyncs %u\nfailures %u\nlast_ok %.3f\nlast_error %d\nretry_at %.3f\n"
		"left_out %lu\noverruns %u\n",
		s->devices, s->resyncs, s->failures, s->last_ok, s->last_err,
		s->retry_in > 0 ? wall_s() + s->retry_in : 0.0, s->left_out, s->overruns);
	return state_commit(f, path);
}

int monitor_state_publish(const struct monitor_state *s)
{
	char path[700];
	FILE *f;
	int err = state_begin("monitor", &f, path, sizeof(path));

	if (err)
		return err;
	/* The file is line-based: a newline in PROG's path (legal) would
	 * start a line of its own. Written as a space: a label, not a path
	 * to run. */
	fputs("exec ", f);
	for (const char *c = s->exec ? s->exec : ""; *c; c++)
		fputc(*c == '\n' ? ' ' : *c, f);
	fprintf(f, "\nmax_children %u\nevents %lu\nruns %lu\nskipped %lu\nfailed %lu\n"
		"running %u\npeak %u\n",
		s->max_children, s->events, s->runs, s->skipped, s->failed,
		s->running, s->peak);
	return state_commit(f, path);
}

/* Every file of daemon kind-pid in dir. */
static void state_unlink(const char *dir, const char *kind, int pid)
{
	static const char *const sfx[] = { "", ".tmp", ".lock" };
	char path[720];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(path, sizeof(path), "%s/%s-%d%s", dir, kind, pid, sfx[i]);
		unlink(path);
	}
}

static void state_remove(const char *kind)
{
	char dir[600];

	if (state_dir(dir, sizeof(dir)))
		return;
	state_unlink(dir, kind, (int)getpid());
	if (lock_fd >= 0) {
		close(lock_fd);
		lock_fd = -1;
	}
	rmdir(dir); /* the last daemon of these maps: nothing left behind */
}

void mirror_state_remove(void)
{
	state_remove("mirror");
}

void monitor_state_remove(void)
{
	state_remove("monitor");
}

/* Is daemon kind-pid gone? Its lock can be taken (or, with no lock file,
 * no such process). */
static bool state_dead(const char *dir, const char *kind, int pid)
{
	char path[720];
	bool dead;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-%d.lock", dir, kind, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kill(pid, 0) && errno == ESRCH;
	dead = !flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return dead;
}

/* One daemon's file into *s (devices into devs); 0 or -errno. */
static int state_read(const char *path, struct mirror_state *s, char *devs, size_t len,
		      double *retry_at)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	memset(s, 0, sizeof(*s));
	*retry_at = 0;
	devs[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "devices ", 8))
			snprintf(devs, len, "%s", line + 8);
		else if (sscanf(line, "resyncs %u", &s->resyncs) != 1 &&
			 sscanf(line, "failures %u", &s->failures) != 1 &&
			 sscanf(line, "last_ok %lf", &s->last_ok) != 1 &&
			 sscanf(line, "last_error %d", &s->last_err) != 1 &&
			 sscanf(line, "left_out %lu", &s->left_out) != 1 &&
			 sscanf(line, "overruns %u", &s->overruns) != 1)
			sscanf(line, "retry_at %lf", retry_at);
	}
	fclose(f);
	s->devices = devs;
	return 0;
}

static void show_one(int pid, const struct mirror_state *s, double retry_at)
{
	double now = wall_s();
	bool ok = !s->last_err;

	out_open_obj(NULL);
	out_u64("pid", "  pid %llu", (unsigned)pid);
	out_str("devices", " %s:", s->devices);
	out_str("state", " %s", !ok ? "resync failing" : s->left_out ? "map full" : "in sync");
	if (ok && s->left_out)
		out_u64("left_out", " (%llu kernel entries left to the kernel)", s->left_out);
	out_u64("resyncs", ", %llu resyncs", s->resyncs);
	out_u64("failures", ", %llu failed", s->failures);
	if (!ok)
		out_str("last_error", " (last: %s)", vx_strerror(s->last_err));
	if ((!ok || s->left_out) && retry_at > now)
		out_u64("retry_in_s", ", next try in %llu s", (__u64)(retry_at - now + 0.5));
	if (s->last_ok > 0)
		out_u64("last_ok_age_s", ", last success %llu s ago", (__u64)(now - s->last_ok + 0.5));
	else
		out_text(", never in sync yet");
	out_close_obj();
	out_nl();
}

/* Each live daemon of kind: its state file's path to fn (a nonzero
 * return stops the walk). A dead one's files are removed. */
static int state_walk(const char *kind, int (*fn)(int pid, const char *path, void *ctx), void *ctx)
{
	char dir[600], path[1000];
	size_t n = strlen(kind);
	struct dirent *de;
	int pid, err = 0;
	char *end;
	DIR *d;

	if (state_dir(dir, sizeof(dir)) || !(d = opendir(dir)))
		return 0;
	while (!err && (de = readdir(d))) {
		if (strncmp(de->d_name, kind, n) || de->d_name[n] != '-')
			continue;
		pid = (int)strtol(de->d_name + n + 1, &end, 10);
		if (end == de->d_name + n + 1 || pid <= 0)
			continue;
		/* Killed without its cleanup: gone, with its files. */
		if (state_dead(dir, kind, pid)) {
			state_unlink(dir, kind, pid);
			continue;
		}
		if (*end)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = fn(pid, path, ctx);
	}
	closedir(d);
	return err;
}

struct mirror_walk {
	int (*cb)(int pid, const struct mirror_state *s, double retry_at, void *ctx);
	void *ctx;
};

static int mirror_one(int pid, const char *path, void *ctx)
{
	struct mirror_walk *w = ctx;
	struct mirror_state s;
	char devs[512];
	double retry_at;

	if (state_read(path, &s, devs, sizeof(devs), &retry_at))
		return 0;
	return w->cb(pid, &s, retry_at, w->ctx);
}

int mirror_state_walk(int (*cb)(int pid, const struct mirror_state *s, double retry_at, void *ctx),
		      void *ctx)
{
	struct mirror_walk w = { cb, ctx };

	return state_walk("mirror", mirror_one, &w);
}

struct monitor_walk {
	int (*cb)(int pid, const struct monitor_state *s, void *ctx);
	void *ctx;
};

static int monitor_one(int pid, const char *path, void *ctx)
{
	struct monitor_walk *w = ctx;
	struct monitor_state s = {};
	char line[512], exec[512] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "exec ", 5))
			snprintf(exec, sizeof(exec), "%s", line + 5);
		else if (sscanf(line, "max_children %u", &s.max_children) != 1 &&
			 sscanf(line, "events %lu", &s.events) != 1 &&
			 sscanf(line, "runs %lu", &s.runs) != 1 &&
			 sscanf(line, "skipped %lu", &s.skipped) != 1 &&
			 sscanf(line, "failed %lu", &s.failed) != 1 &&
			 sscanf(line, "running %u", &s.running) != 1)
			sscanf(line, "peak %u", &s.peak);
	}
	fclose(f);
	s.exec = exec;
	return w->cb(pid, &s, w->ctx);
}

int monitor_state_walk(int (*cb)(int pid, const struct monitor_state *s, void *ctx), void *ctx)
{
	struct monitor_walk w = { cb, ctx };

	return state_walk("monitor", monitor_one, &w);
}

static int show_cb(int pid, const struct mirror_state *s, double retry_at, void *ctx)
{
	show_one(pid, s, retry_at);
	return 0;
}

int mirror_state_show(void)
{
	out_text("mirrors:\n");
	out_open_array("mirrors");
	mirror_state_walk(show_cb, NULL);
	out_close_array();
	return 0;
}
