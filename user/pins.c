// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pin directory and the skeleton. Maps are always created by libbpf
 * from the skeleton (never bpf_map_create), so they carry the BTF that
 * makes `bpftool map dump` print typed fields.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "common.h"
#include "netns.h"
#include "pins.h"
#include "xdp_disp.h"
#include "vxbpf.skel.h"

#define BPFFS_ROOT "/sys/fs/bpf"

const char *const vx_map_names[M__NR] = {
	[M_VNI] = "vni",     [M_FDB] = "fdb",	  [M_FLOOD] = "flood",
	[M_NEIGH] = "neigh", [M_VTEP] = "vtep",	  [M_PORTS] = "ports",
	[M_STATS] = "stats", [M_VNI_STATS] = "vni_stats",
	[M_DSTPORTS] = "dstports", [M_EVENTS] = "events", [M_MISS_SEEN] = "miss_seen",
	[M_UNDERLAY] = "underlay", [M_META] = "meta", [M_HOSTDEVS] = "hostdevs",
	[M_REMOTES] = "remotes", [M_VNI_PORTS] = "vni_ports", [M_VNI_FLOOD] = "vni_flood",
	[M_ACTIVE] = "active", [M_EV_BUDGET] = "ev_budget",
	[M_SWEEP] = "sweep", [M_LEARNED] = "learned", [M_CPUMAP] = "cpumap",
	[M_GEN] = "gen",
};

static const char *const prog_names[P__NR] = {
	[P_VXLAN_RX] = "xdp_vxlan_rx", [P_PORT_RX] = "xdp_port_rx",
	[P_HOST_TX] = "tc_host_tx",    [P_HOST_RX] = "tc_host_rx",
	[P_PORT_TC] = "tc_port_rx",
};

const char *prog_name(enum vx_prog_id which)
{
	return which < P__NR ? prog_names[which] : "?";
}

#define PROC_NET_INIT_INO 0xEFFFFFF9U

int pins_dir(char *dir, size_t len)
{
	const char *env = getenv("VXBPF_PIN_DIR");
	ino_t self, init;

	if (env && *env) {
		snprintf(dir, len, "%s", env);
		return 0;
	}
	self = netns_ino("/proc/self/ns/net");
	init = netns_ino("/proc/1/ns/net");
	/*
	 * Since 6.x the initial namespace has a fixed inode
	 * (PROC_NET_INIT_INO), which also tells it apart where /proc/1 is
	 * hidden (a sandbox). Where neither works every namespace gets its
	 * own directory, which is never wrong, only longer.
	 */
	if (self && ((init && self == init) || self == PROC_NET_INIT_INO))
		snprintf(dir, len, BPFFS_ROOT "/vxbpf");
	else
		snprintf(dir, len, BPFFS_ROOT "/vxbpf/netns/%lu",
			 (unsigned long)self);
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Nothing mounted on /sys/fs/bpf: same device as its parent. */
static bool nothing_mounted(void)
{
	struct stat a, b;

	return stat(BPFFS_ROOT, &a) == 0 && stat("/sys/fs", &b) == 0 &&
	       a.st_dev == b.st_dev;
}

int pins_prepare(const char *dir)
{
	ino_t mnt_self, mnt_init;
	int err;

	if (!strncmp(dir, BPFFS_ROOT "/", strlen(BPFFS_ROOT "/")) &&
	    !is_bpffs(BPFFS_ROOT)) {
		mnt_self = netns_ino("/proc/self/ns/mnt");
		mnt_init = netns_ino("/proc/1/ns/mnt");
		if (mnt_self && mnt_self == mnt_init && nothing_mounted() &&
		    mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") == 0)
			goto mkdir;
		vx_err(BPFFS_ROOT " is not a BPF filesystem in this mount namespace "
		       "(`ip netns exec` remounts /sys); use `vxbpf -n NETNS` or "
		       "`nsenter --net=/var/run/netns/NETNS` instead");
		/* Not -ENOENT: that means "nothing configured" to callers. */
		return -EMEDIUMTYPE;
	}
mkdir:
	err = mkdir_p(dir);
	if (err) {
		vx_err("cannot create pin directory %s: %s", dir,
		       vx_strerror(err));
		return err;
	}
	if (!is_bpffs(dir)) {
		vx_err("pin directory %s is not on a BPF filesystem", dir);
		return -EINVAL;
	}
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return vx_lib_print(fmt, ap);
}

static const char *pin_name(const struct bpf_map *map)
{
	const char *n = bpf_map__name(map);

	return strncmp(n, "vxbpf_", 6) ? n : n + 6;
}

/*
 * 1 if the pin exists and matches the map definition of this build, 0 if
 * it does not exist, -EINVAL if it is incompatible.
 */
static int pin_check(const char *path, const struct bpf_map *map, int *fdp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != bpf_map__type(map) ||
	    info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map) ||
	    info.max_entries != bpf_map__max_entries(map) ||
	    info.map_flags != bpf_map__map_flags(map)) {
		close(fd);
		return -EINVAL;
	}
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 1;
}

static void incompatible(const char *dir)
{
	vx_err("pinned maps in %s are from an incompatible vxbpf; remove %s to start over",
	       dir, dir);
}

/*
 * Open the skeleton with every map's pin path set. Returns how many pins
 * are missing, or -errno (error printed).
 */
static int skel_open(const char *dir, struct vxbpf **out)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	struct vxbpf *skel;
	int missing = 0, err;

	libbpf_set_print(libbpf_quiet);
	skel = vxbpf__open();
	if (!skel) {
		err = -errno;
		vx_err("cannot open the BPF object: %s", vx_strerror(err));
		return err;
	}
	bpf_object__for_each_map(map, skel->obj) {
		/* .rodata, .bss: each loaded program's own, never pinned. */
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, pin_name(map));
		err = pin_check(path, map, NULL);
		if (err < 0) {
			if (err == -EINVAL)
				incompatible(dir);
			else
				vx_err("cannot open %s: %s", path,
				       vx_strerror(err));
			goto fail;
		}
		missing += !err;
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			vx_err("cannot set pin path %s: %s", path,
			       vx_strerror(err));
			goto fail;
		}
	}
	*out = skel;
	return missing;
fail:
	vxbpf__destroy(skel);
	return err;
}

const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) ? "?" : u.release;
}

bool xdp_frags_supported(void)
{
	/* r0 = XDP_PASS; exit */
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_XDP_HAS_FRAGS);
	static int ok = -1;
	int fd;

	if (ok < 0) {
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", insns, 2, &o);
		ok = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return ok;
}

static int skel_load(struct vxbpf *skel, const char *dir)
{
	int err = vxbpf__load(skel);

	if (!err)
		return 0;
	/* Incompatible pins were caught by skel_open (pin_check): here
	 * EINVAL is the kernel refusing a program or a map. */
	if (err == -EINVAL)
		vx_err("the kernel (%s) refused vxbpf's BPF programs%s", kernel_release(),
		       vx_verbose ? "" : "; run with -v for the verifier's log");
	else if (err == -E2BIG)
		vx_err("the kernel's verifier (%s) gave up on a vxbpf program: too many "
		       "instructions to check%s", kernel_release(),
		       vx_verbose ? "" : "; run with -v for the verifier's log");
	else
		vx_err("cannot load the BPF object%s: %s",
		       vx_verbose ? "" : " (run with -v for details)",
		       vx_strerror(err));
	return err;
}

#define LEARNED_LEN (((VXBPF_LEARN_ALL + 1) * sizeof(__s64) + 4095) & ~4095UL)

__s64 *maps_learned(struct vx_maps *m)
{
	void *p;

	if (m->learned)
		return m->learned;
	p = mmap(NULL, LEARNED_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[M_LEARNED], 0);
	if (p == MAP_FAILED) {
		vx_err("cannot map the learned map: %s", vx_strerror(-errno));
		return NULL;
	}
	m->learned = p;
	return m->learned;
}

/* The gen map's counter (bpf/gen.h), mapped: raised with an atomic add. */
__u64 *maps_gen(struct vx_maps *m)
{
	void *p;

	if (m->gen)
		return m->gen;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[M_GEN], 0);
	if (p == MAP_FAILED) {
		vx_err("cannot map the gen map: %s", vx_strerror(-errno));
		return NULL;
	}
	m->gen = p;
	return m->gen;
}

int maps_gen_raise(struct vx_maps *m)
{
	__u64 *gen = maps_gen(m);

	if (!gen)
		return -EIO;
	__atomic_fetch_add(gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void maps_close(struct vx_maps *m)
{
	int i;

	if (m->learned)
		munmap(m->learned, LEARNED_LEN);
	m->learned = NULL;
	if (m->gen)
		munmap(m->gen, 4096);
	m->gen = NULL;

	for (i = 0; i < M__NR; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
			cookie = 0; /* before 5.14: no check */
		close(fd);
	}
	return cookie;
}

/* Unpin everything under dir (maps, and links whose device is gone). */
static void pins_wipe(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR && strcmp(de->d_name, "netns")) {
			pins_wipe(path);
			rmdir(path);
		} else if (de->d_type != DT_DIR) {
			unlink(path);
		}
	}
	closedir(d);
}

/*
 * The pins in dir are this namespace's, or a dead namespace's whose inode
 * was reused: those are removed. Records our cookie and layout in fresh
 * pins; -EPROTO (printed) for pins of another layout.
 */
static int pins_claim(const char *dir, int meta_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct vxbpf_meta *mp = NULL;
	__u64 ours = netns_cookie();
	__u32 key = 0;
	char path[PATH_MAX], theirs[48] = "";
	int fd = meta_fd, err = 0;
	bool ours_size;

	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/meta", dir);
		fd = bpf_obj_get(path);
		if (fd < 0)
			return 0;
	}
	/* Read into room of the value's own size: the kernel copies the whole
	 * of it, and another build's may have had another (layout 7's had 24
	 * bytes). Every build's begins with the cookie and the layout. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		vx_err("cannot read %s/meta: %s", dir, vx_strerror(err));
	} else if (info.value_size < sizeof(*mp) || !(mp = calloc(1, info.value_size))) {
		snprintf(theirs, sizeof(theirs), "a layout with a %u-byte meta", info.value_size);
	} else if (!bpf_map_lookup_elem(fd, &key, mp)) {
		ours_size = info.value_size == sizeof(*mp);
		if (!mp->netns_cookie && !mp->layout && ours_size) {
			mp->netns_cookie = ours;
			mp->layout = VXBPF_LAYOUT;
			bpf_map_update_elem(fd, &key, mp, BPF_ANY);
		} else if (ours && mp->netns_cookie && mp->netns_cookie != ours) {
			vx_warn("removing stale pins in %s (left by a deleted network namespace)",
				dir);
			pins_wipe(dir);
		} else if (mp->layout != VXBPF_LAYOUT && mp->layout) {
			snprintf(theirs, sizeof(theirs), "layout %u", mp->layout);
		} else if (!ours_size) {
			snprintf(theirs, sizeof(theirs), "a layout with a %u-byte meta", info.value_size);
		} else if (mp->layout != VXBPF_LAYOUT) {
			snprintf(theirs, sizeof(theirs), "an earlier layout");
		}
	}
	free(mp);
	if (theirs[0]) {
		vx_err("pinned maps in %s are of %s, this vxbpf reads layout %u: run the vxbpf "
		       "that made them, or `vxbpf detach --all` with it and remove %s to start over",
		       dir, theirs, VXBPF_LAYOUT, dir);
		err = -EPROTO;
	}
	if (fd != meta_fd)
		close(fd);
	return err;
}

int maps_open(struct vx_maps *m, bool create)
{
	struct vxbpf *skel = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	int i, err, missing;

	for (i = 0; i < M__NR; i++)
		m->fd[i] = -1;
	m->learned = NULL;
	m->gen = NULL;
	pins_dir(m->dir, sizeof(m->dir));
	if (!create && access(m->dir, F_OK) < 0) {
		/* Nothing configured; but say so if bpffs is hidden. */
		if (!is_bpffs(BPFFS_ROOT) && !getenv("VXBPF_PIN_DIR")) {
			err = pins_prepare(m->dir);
			if (err)
				return err;
		}
		return -ENOENT;
	}
	err = pins_prepare(m->dir);
	if (err)
		return err;
	err = pins_claim(m->dir, -1);
	if (err)
		return err;
	missing = skel_open(m->dir, &skel);
	if (missing < 0)
		return missing;
	if (missing) {
		if (!create) {
			err = -ENOENT;
			goto out;
		}
		/* Create only the maps: no program needs to verify here. */
		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, false);
		err = skel_load(skel, m->dir);
		if (err)
			goto out;
	}
	i = 0;
	bpf_object__for_each_map(map, skel->obj) {
		for (i = 0; i < M__NR; i++)
			if (!strcmp(pin_name(map), vx_map_names[i]))
				break;
		if (i == M__NR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", m->dir, vx_map_names[i]);
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			err = -errno;
			vx_err("cannot open %s: %s", path, vx_strerror(err));
			goto out;
		}
		m->max_entries[i] = bpf_map__max_entries(map);
	}
	for (i = 0; i < M__NR; i++) {
		if (m->fd[i] < 0) {
			vx_err("the BPF object has no map \"%s\"",
			       vx_map_names[i]);
			err = -ENOENT;
			goto out;
		}
	}
	err = pins_claim(m->dir, m->fd[M_META]);
out:
	vxbpf__destroy(skel);
	if (err)
		maps_close(m);
	return err;
}

int maps_open_existing(struct vx_maps *m)
{
	int err = maps_open(m, false);

	if (err == -ENOENT)
		vx_err("nothing configured in this network namespace (no maps in %s)", m->dir);
	return err;
}

int prog_load_for_link(struct vx_maps *m, enum vx_prog_id which)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/links", m->dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		vx_err("cannot create %s: %s", path, vx_strerror(err));
		return err;
	}
	return prog_load(m, which);
}

/* The skeleton with only program `which` to load: each load is one
 * attach, and only that program is verified. */
static int prog_select(struct vx_maps *m, enum vx_prog_id which, struct vxbpf **out,
		       struct bpf_program **want)
{
	struct bpf_program *prog;
	struct vxbpf *skel = NULL;
	int err;

	err = skel_open(m->dir, &skel);
	if (err < 0)
		return err;
	*want = NULL;
	bpf_object__for_each_program(prog, skel->obj) {
		bool it = !strcmp(bpf_program__name(prog), prog_name(which));

		bpf_program__set_autoload(prog, it);
		if (it)
			*want = prog;
	}
	if (!*want) {
		vx_err("the BPF object has no program \"%s\"", prog_name(which));
		vxbpf__destroy(skel);
		return -ENOENT;
	}
	/* The XDP programs are multi-buffer where the kernel has that (5.18;
	 * bpf/vxbpf.bpf.c); before, their fragment code is dead anyway. */
	if (bpf_program__type(*want) == BPF_PROG_TYPE_XDP && xdp_frags_supported())
		bpf_program__set_flags(*want, bpf_program__flags(*want) | BPF_F_XDP_HAS_FRAGS);
	*out = skel;
	return 0;
}

/*
 * The CPU map xdp_port_rx hands frames to (bpf/frag.h) gets an entry per
 * CPU, each a queue and a kthread of the kernel's; made once, kept.
 */
static void cpumap_fill(struct vxbpf *skel)
{
	struct bpf_cpumap_val v = { .qsize = 256 }, have;
	int fd = bpf_map__fd(skel->maps.vxbpf_cpumap);
	int n = libbpf_num_possible_cpus(), fails = 0, err = 0;
	__u32 cpu;

	if (n > VXBPF_CPUMAP_MAX)
		n = VXBPF_CPUMAP_MAX;
	for (cpu = 0; fd >= 0 && n > 0 && cpu < (__u32)n; cpu++) {
		if (!bpf_map_lookup_elem(fd, &cpu, &have) && have.qsize)
			continue;
		if (bpf_map_update_elem(fd, &cpu, &v, BPF_ANY)) {
			err = -errno;
			fails++;
		}
	}
	if (fails)
		vx_warn("%d CPU map entries not made (%s): frames without DF whose checksum a VM "
			"leaves to offload will not be fragmented", fails, vx_strerror(err));
}

/*
 * A CPU map takes programs of one kind: the first program loaded that
 * uses it fixes the type and the multi-buffer flag every later one must
 * have (the kernel checks maps that hold programs at load, CPU maps
 * included; a mismatch is EINVAL with no verifier message). xdp_port_rx
 * is multi-buffer where the kernel has that, but behind a libxdp
 * dispatcher that is not, it is not: such copies share a CPU map of their
 * own.
 */
static int cpumap_pick(struct vxbpf *skel, const char *dir, bool frags)
{
	char path[PATH_MAX];

	if (frags == xdp_frags_supported())
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, CPUMAP_SINGLE_BUF_PIN);
	return bpf_map__set_pin_path(skel->maps.vxbpf_cpumap, path);
}

int prog_load(struct vx_maps *m, enum vx_prog_id which)
{
	struct bpf_program *want;
	struct vxbpf *skel;
	int err, fd;

	err = prog_select(m, which, &skel, &want);
	if (err)
		return err;
	err = skel_load(skel, m->dir);
	if (!err) {
		if (which == P_PORT_RX)
			cpumap_fill(skel);
		/* The fd outlives the skeleton: the link holds the program. */
		fd = dup(bpf_program__fd(want));
		err = fd < 0 ? -errno : fd;
	}
	vxbpf__destroy(skel);
	return err;
}

int prog_load_disp(struct vx_maps *m, enum vx_prog_id which, const char *dev, int ifindex,
		   bool skb, bool frags)
{
	struct bpf_program *want;
	struct vxbpf *skel;
	__u32 flags;
	int err;

	err = prog_select(m, which, &skel, &want);
	if (err)
		return err;
	/* The component's frags flag follows the dispatcher's. */
	flags = bpf_program__flags(want) & ~BPF_F_XDP_HAS_FRAGS;
	bpf_program__set_flags(want, flags | (frags ? BPF_F_XDP_HAS_FRAGS : 0));
	err = cpumap_pick(skel, m->dir, frags);
	if (!err)
		err = disp_add(skel->obj, bpf_program__name(want), ifindex, skb);
	if (err >= 0 && which == P_PORT_RX)
		cpumap_fill(skel);
	vxbpf__destroy(skel);
	if (err == -EOPNOTSUPP)
		vx_err("the libxdp dispatcher on %s cannot take another program on this kernel (%s); "
		       "unload its programs (xdp-loader unload %s --all) to attach vxbpf alone",
		       dev, kernel_release(), dev);
	else if (err < 0)
		vx_err("cannot add vxbpf's program to the libxdp dispatcher on %s: %s%s", dev,
		       vx_strerror(err), vx_verbose ? "" : " (run with -v for details)");
	return err;
}

struct vxbpf *explain_open(struct vx_maps *m, enum vx_prog_id which, int *prog_fd)
{
	/* Written as a side effect: the instance's own, fresh, unpinned. */
	static const char *const own[] = { "stats",  "vni_stats", "vni_flood", "events",
					   "miss_seen", "ev_budget", "active",    "sweep",
					   "nh_cache", "pmtu_rl",   "csum_scratch", "vtep_cache",
					   "port_cache", "fdb_cache" };
	struct bpf_program *want;
	struct bpf_map *map;
	struct vxbpf *skel;
	size_t i;

	if (prog_select(m, which, &skel, &want))
		return NULL;
	bpf_object__for_each_map(map, skel->obj)
		for (i = 0; i < ARRAY_SIZE(own); i++)
			if (!strcmp(pin_name(map), own[i]))
				bpf_map__set_pin_path(map, NULL);
	skel->rodata->explain = 1;
	if (skel_load(skel, m->dir)) {
		vxbpf__destroy(skel);
		return NULL;
	}
	*prog_fd = bpf_program__fd(want);
	return skel;
}
