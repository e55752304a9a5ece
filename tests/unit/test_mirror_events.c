// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf mirror under churn: what the daemon does with each notification
 * and with an interrupted dump, on recorded messages (mirror_msgs.h) and
 * memory-only tables. The rules (user/mirror_events.c):
 *   - a change of our devices: resync now, even during a back-off;
 *   - FDB/neighbour changes applied, except when a resync comes anyway;
 *   - nothing that does not parse is dropped quietly: resync;
 *   - an interrupted dump still delivers every message, and says so;
 *   - a full map backs off 2, 4, ... 60 s, never a resync a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mirror.h"
/* The recordings are shared with test_mirror.c; not all are used here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "mirror_msgs.h"
#pragma GCC diagnostic pop

#define MSG_PTR(a) ((const struct nlmsghdr *)(a))

static struct mneigh parse_n(const __u8 *b)
{
	struct mneigh n;

	cr_assert_eq(mirror_parse_neigh((const struct nlmsghdr *)b, &n), 0);
	return n;
}
#define NB_(a) parse_n(a)

static struct vx_cfg C;
static struct tbl W;
static struct mirror_apply AP;
static struct mirror_dev D[2];
static struct mirror_events E;

/* A socket read: the messages one after the other, each 4-aligned. */
static __u32 rd[4096];
static size_t rd_len;

static struct nlmsghdr *put(const __u8 *b, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)rd + rd_len);

	cr_assert_leq(rd_len + NLMSG_ALIGN(len), sizeof(rd));
	memcpy(h, b, len);
	rd_len += NLMSG_ALIGN(len);
	return h;
}
#define PUT(a) put(a, sizeof(a))

static void M(const char *s, __u8 *mac)
{
	cr_assert_eq(parse_mac(s, mac), 0);
}

static int fdb_has(const char *mac)
{
	struct vxbpf_fdb_key k = { .vni = 100 };

	M(mac, k.mac);
	return tbl_get(&C.fdb, &k, NULL);
}

/*
 * The first recording's host: vxlan100 (ifindex 2, VNI 100) in br0
 * (ifindex 3), both up, as a resync leaves them.
 */
static void setup(void)
{
	memset(rd, 0, sizeof(rd));
	rd_len = 0;
	cfg_init(&C, NULL);
	tbl_init(&W, "warned", -1, 32, 4, 0);
	memset(&AP, 0, sizeof(AP));
	AP.cfg = &C;
	AP.warned = &W;
	memset(D, 0, sizeof(D));
	snprintf(D[0].name, sizeof(D[0].name), "vxlan100");
	cr_assert_eq(mirror_parse_link(MSG_PTR(link_vxlan100), &D[0].link), 0);
	D[0].ifindex = 2;
	D[0].usable = D[0].up = true;
	D[0].vni = 100;
	D[0].neigh_if = 2;
	snprintf(D[1].name, sizeof(D[1].name), "br0");
	D[1].ifindex = 3;
	D[1].bridge = D[1].up = true;
	D[1].link.ifi_flags = IFF_UP;
	cr_assert_eq(mirror_vni(&AP, &D[0].link), 0);
	memset(&E, 0, sizeof(E));
	E.dev = D;
	E.n = 2;
	E.a = &AP;
	cr_redirect_stderr();
}

static void teardown(void)
{
	cfg_free(&C);
	tbl_free(&W);
}

static void read_all(void)
{
	mirror_events_read(&E, rd, rd_len);
}

TestSuite(mirror_events, .init = setup, .fini = teardown);

Test(mirror_events, fdb_changes_applied_in_one_batch)
{
	struct vxbpf_flood_key fk = { .vni = 100 };
	int fam;

	PUT(fdb_1);
	PUT(fdb_2);
	read_all();
	cr_assert_eq(E.msgs, 2);
	cr_assert_not(E.resync);
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 1);
	cr_assert_eq(parse_ip("192.0.2.3", &fk.dst, &fam), 0);
	cr_assert_eq(tbl_get(&C.flood, &fk, NULL), 1);
	/* The same entry deleted in the next read. */
	rd_len = 0;
	PUT(del_bb01);
	read_all();
	cr_assert_not(E.resync);
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 0);
}

/* Another device's FDB, a device of no concern, a down device. */
Test(mirror_events, other_devices_ignored)
{
	PUT(fdb6_0);	  /* vxlan6's */
	PUT(link_vxlan6); /* not ours */
	PUT(link_vxext);
	read_all();
	cr_assert_eq(E.msgs, 3);
	cr_assert_not(E.resync);
	cr_assert_eq(tbl_count(&C.flood), 0);
	D[0].up = false;
	rd_len = 0;
	PUT(fdb_1);
	read_all();
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 0, "a down device carries nothing");
}

Test(mirror_events, our_device_changed_resyncs_now)
{
	struct nlmsghdr *h;

	/* The same link again: nothing changed. */
	PUT(link_vxlan100);
	read_all();
	cr_assert_not(E.resync);
	/* Another TTL (as `ip link set vxlan100 type vxlan ttl 9` told it). */
	D[0].link.ttl = 64;
	read_all();
	cr_assert(E.resync && E.now);
	/* Deleted. */
	memset(&E.msgs, 0, sizeof(E) - offsetof(struct mirror_events, msgs));
	D[0].link.ttl = 9;
	rd_len = 0;
	h = PUT(link_vxlan100);
	h->nlmsg_type = RTM_DELLINK;
	read_all();
	cr_assert(E.resync && E.now);
	/* Gone, then back under its name. */
	memset(&E.msgs, 0, sizeof(E) - offsetof(struct mirror_events, msgs));
	D[0].ifindex = 0;
	rd_len = 0;
	PUT(link_vxlan100);
	read_all();
	cr_assert(E.resync && E.now);
}

/* `bridge link set dev vxlan100 neigh_suppress on`: an AF_BRIDGE message. */
Test(mirror_events, neigh_suppress_flip_resyncs_now)
{
	D[0].ifindex = 3; /* the second recording's numbering */
	D[1].ifindex = 2;
	PUT(brport_suppress);
	read_all();
	cr_assert(E.resync && E.now);
	/* Already on: nothing to do. */
	memset(&E.msgs, 0, sizeof(E) - offsetof(struct mirror_events, msgs));
	D[0].link.neigh_suppress = true;
	read_all();
	cr_assert_not(E.resync);
}

/* An FDB message with its NDA_DST cut to 3 bytes: it does not parse. */
static void cut_dst(struct nlmsghdr *h)
{
	struct nlattr *a;

	a = (struct nlattr *)((char *)h + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ndmsg)));
	while (a->nla_type != NDA_DST)
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	a->nla_len = NLA_HDRLEN + 3;
}

/* A message that does not parse is never dropped quietly. */
Test(mirror_events, malformed_notification_resyncs)
{
	struct nlmsghdr *h;

	cut_dst(PUT(fdb_1));
	read_all();
	cr_assert(E.resync);
	/* What it said is unknown: a change of our devices perhaps. */
	cr_assert(E.now, "not at once");
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 0);

	/* A link message with a broken header: resync too. */
	memset(&E.msgs, 0, sizeof(E) - offsetof(struct mirror_events, msgs));
	rd_len = 0;
	h = PUT(link_vxlan6);
	((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index = 0;
	read_all();
	cr_assert(E.resync);

	/* A read that ends inside a message. */
	memset(&E.msgs, 0, sizeof(E) - offsetof(struct mirror_events, msgs));
	rd_len = 0;
	PUT(fdb_2);
	mirror_events_read(&E, rd, rd_len - 8);
	cr_assert(E.resync);
}

/*
 * Found by fuzzing (tests/fuzz/fuzz_events.c): a header whose nlmsg_len is
 * above INT_MAX passes libmnl's mnl_nlmsg_ok (an int comparison) and the
 * walk read far past the buffer. The whole messages before it are still
 * read (and, with a resync coming at once, not applied); the rest is
 * unknown: resync now.
 */
Test(mirror_events, length_beyond_the_read_resyncs)
{
	static const __u32 huge[5] = { 0xffffffff, RTM_NEWNEIGH, 0, 0, 0 };

	PUT(fdb_1);
	put((const __u8 *)huge, sizeof(huge));
	read_all();
	cr_assert(E.resync);
	cr_assert(E.now);
	cr_assert_eq(E.msgs, 1);
}

/* A resync about to run redoes everything: no point applying events. */
Test(mirror_events, skipped_when_a_resync_comes)
{
	E.resync_pending = true;
	PUT(fdb_1);
	read_all();
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 0);
	/* A link change still counts. */
	D[0].link.ttl = 64;
	rd_len = 0;
	PUT(link_vxlan100);
	read_all();
	cr_assert(E.now);
}

static int kernel_fails(void *ctx, int kind, __u32 vni, const __u8 *mac,
			const struct vxbpf_addr *ip, __u32 port)
{
	(void)ctx, (void)kind, (void)vni, (void)mac, (void)ip, (void)port;
	return -EIO;
}

/*
 * An event that cannot be applied (here: the MAC moved from a port onto
 * the vxlan device, and the kernel cannot be asked for the entry there)
 * asks for a resync, which starts over from the kernel's tables.
 */
/* Port 1 (lo) in VNI 100, and a kernel that cannot be asked. */
static void port1_kernel_fails(void)
{
	static struct mport p = { .ifindex = 1, .vni = 100 };
	struct vxbpf_port_val pv = { .vni = 100 };
	__u32 lo = 1;

	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	AP.ports = &p;
	AP.n_ports = 1;
	AP.confirm = kernel_fails;
}

Test(mirror_events, not_applied_resyncs)
{
	struct nlmsghdr *h;

	port1_kernel_fails();
	h = PUT(brfdb_0);
	((struct ndmsg *)NLMSG_DATA(h))->ndm_ifindex = 1;
	read_all();
	cr_assert_not(E.resync);
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 1);
	((struct ndmsg *)NLMSG_DATA(h))->ndm_ifindex = 2; /* onto vxlan100 */
	read_all();
	cr_assert(E.resync);
	cr_assert_not(E.now);
}

/* An event that cannot be applied, then bb:01's: is bb:01 in? */
static int after_unapplied(bool backing_off)
{
	struct nlmsghdr *h;

	port1_kernel_fails();
	E.backing_off = backing_off;
	/* aa:01 on port 1, then onto vxlan100: not applied. */
	h = PUT(brfdb_0);
	((struct ndmsg *)NLMSG_DATA(h))->ndm_ifindex = 1;
	h = PUT(brfdb_0);
	((struct ndmsg *)NLMSG_DATA(h))->ndm_ifindex = 2;
	PUT(fdb_1);
	read_all();
	cr_assert(E.resync && !E.now);
	return fdb_has("02:00:00:00:bb:01");
}

/*
 * A resync that waits out a back-off (a full map) may wait a minute:
 * meanwhile what fits is applied, also after an event that could not be.
 * Not backing off, what follows a resync-to-be is moot; and a message that
 * does not parse ends the wait.
 */
Test(mirror_events, applied_during_a_back_off)
{
	cr_assert_eq(after_unapplied(true), 1, "lost while backing off");
	teardown();
	setup();
	cr_assert_eq(after_unapplied(false), 0, "applied with a resync to come");
	/* Backing off, a message that does not parse: at once. */
	teardown();
	setup();
	E.backing_off = true;
	cut_dst(PUT(del_bb01));
	read_all();
	cr_assert(E.resync && E.now);
}

/* ---- dumps -------------------------------------------------------------- */

struct seen {
	int links, ours;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct mlink l;

	if (mirror_parse_link(nlh, &l))
		return MNL_CB_OK;
	s->links++;
	s->ours += !strcmp(l.name, "vxlan100");
	return MNL_CB_OK;
}

static struct nlmsghdr *done_msg(void)
{
	static const __u32 done[5] = { 20, NLMSG_DONE | (NLM_F_MULTI << 16), 7, 0, 0 };

	return put((const __u8 *)done, sizeof(done));
}

/*
 * A link dump interrupted by a change of another device: every message
 * still reaches the callback (our device is found), the caller learns
 * that it was interrupted, and the end of the dump is the end.
 */
Test(mirror_dump, interrupted_link_dump)
{
	struct nlmsghdr *h[3];
	struct seen s = { 0 };
	bool intr = false;
	int i;

	h[0] = PUT(link_vxlan6);
	h[1] = PUT(link_vxlan100);
	h[2] = done_msg();
	for (i = 0; i < 3; i++) {
		h[i]->nlmsg_seq = 7;
		h[i]->nlmsg_pid = 0;
		h[i]->nlmsg_flags |= NLM_F_MULTI;
	}
	/* The kernel flags what follows the change. */
	h[1]->nlmsg_flags |= NLM_F_DUMP_INTR;
	h[2]->nlmsg_flags |= NLM_F_DUMP_INTR;
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), MNL_CB_STOP);
	cr_assert(intr);
	cr_assert_eq(s.links, 2);
	cr_assert_eq(s.ours, 1);

	/* The same dump, not interrupted (the flags were cleared). */
	cr_assert_not(h[1]->nlmsg_flags & NLM_F_DUMP_INTR);
	intr = false;
	memset(&s, 0, sizeof(s));
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), MNL_CB_STOP);
	cr_assert_not(intr);
	cr_assert_eq(s.ours, 1);

	/* Half of it in this read: more to come. */
	memset(&s, 0, sizeof(s));
	h[0]->nlmsg_flags |= NLM_F_DUMP_INTR;
	cr_assert_eq(mirror_dump_read(rd, NLMSG_ALIGN(sizeof(link_vxlan6)), 7, 0, link_cb, &s,
				      &intr), MNL_CB_OK);
	cr_assert_eq(s.links, 1);
	cr_assert(intr);
}

/* A dump the kernel cut short ends with its error in NLMSG_DONE. */
Test(mirror_dump, error_in_done)
{
	struct nlmsghdr *h;
	struct seen s = { 0 };
	bool intr = false;

	h = PUT(link_vxlan100);
	h->nlmsg_seq = 7;
	h->nlmsg_flags |= NLM_F_MULTI;
	h = done_msg();
	*(int *)NLMSG_DATA(h) = -EMSGSIZE;
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EMSGSIZE);
	cr_assert_eq(s.links, 1);
}

/* Found by fuzzing (tests/fuzz/fuzz_events.c, UBSan): a status of
 * INT_MIN was negated into errno. No errno at all: a bad message. */
Test(mirror_dump, status_out_of_range)
{
	struct nlmsghdr *h;
	struct seen s = { 0 };
	bool intr = false;

	h = done_msg();
	*(int *)NLMSG_DATA(h) = INT_MIN;
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EBADMSG);
	*(int *)NLMSG_DATA(h) = -5000;
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EBADMSG);
	*(int *)NLMSG_DATA(h) = -EMSGSIZE;
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EMSGSIZE);
}

/* The kernel refuses the dump: its error, not an empty table. */
/* The same header in a dump's answer (fuzz_events.c): an error, and
 * not one message of that read is taken. */
Test(mirror_dump, length_beyond_the_read)
{
	static const __u32 huge[5] = { 0x80000000, RTM_NEWLINK, 7, 0, 0 };
	struct seen s = { 0 };
	bool intr = false;

	PUT(link_vxlan100);
	put((const __u8 *)huge, sizeof(huge));
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EBADMSG);
	cr_assert_eq(s.links, 0);
	/* Bytes after the last whole message, fewer than a header. */
	rd_len = 0;
	PUT(link_vxlan100);
	cr_assert_eq(mirror_dump_read(rd, rd_len + 4, 7, 0, link_cb, &s, &intr), -EBADMSG);
	cr_assert_eq(mirror_msgs_len(rd, rd_len + 4), rd_len);
	cr_assert_eq(mirror_msgs_len(rd, rd_len), rd_len);
	/* The last message without its padding is whole. */
	cr_assert_eq(mirror_msgs_len(rd, sizeof(link_vxlan100)), sizeof(link_vxlan100));
}

Test(mirror_dump, error_is_an_error)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} msg = { .h = { .nlmsg_len = sizeof(msg), .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 7 },
		  .e = { .error = -EOPNOTSUPP } };
	struct seen s = { 0 };
	bool intr = false;

	put((const __u8 *)&msg, sizeof(msg));
	cr_assert_eq(mirror_dump_read(rd, rd_len, 7, 0, link_cb, &s, &intr), -EOPNOTSUPP);
	/* An answer to an earlier request (another seq) is not this one's. */
	cr_assert_lt(mirror_dump_read(rd, rd_len, 8, 0, link_cb, &s, &intr), 0);
}

/* ---- back-off ------------------------------------------------------------ */

Test(mirror_backoff, full_map_waits_longer_each_time)
{
	double b = 0;
	static const double want[] = { 2, 4, 8, 16, 32, 60, 60 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		b = mirror_backoff(b, -E2BIG);
		cr_assert_eq(b, want[i], "try %zu: %.0f s", i, b);
	}
	/* Any other failure: a second. */
	cr_assert_eq(mirror_backoff(b, -EPROTO), 1);
	cr_assert_eq(mirror_backoff(0, -ENOBUFS), 1);
}

/* ---- locked ports -------------------------------------------------------- */

/*
 * A MAC a locked port has not authorised (MAC authentication bypass: the
 * bridge keeps a locked entry and drops the MAC's frames) never reaches
 * the fast path; once authorised it does, and locked again it leaves.
 */
Test(mirror_events, locked_bridge_entry_not_carried)
{
	struct mport p = { .ifindex = 1, .vni = 100 };
	struct vxbpf_port_val pv = { .vni = 100 };
	struct nlmsghdr *h;
	struct mneigh n;
	__u32 lo = 1, locked = NTF_EXT_LOCKED;

	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	AP.ports = &p;
	AP.n_ports = 1;
	/* brfdb_0 (02:00:00:00:aa:01 on ifindex 5) moved to port 1, with
	 * NDA_FLAGS_EXT appended. */
	h = PUT(brfdb_0);
	((struct ndmsg *)NLMSG_DATA(h))->ndm_ifindex = 1;
	mnl_attr_put_u32(h, NDA_FLAGS_EXT, locked);
	rd_len = NLMSG_ALIGN(h->nlmsg_len);
	cr_assert_eq(mirror_parse_neigh(h, &n), 0);
	cr_assert_eq(n.flags_ext, NTF_EXT_LOCKED);
	read_all();
	cr_assert_not(E.resync);
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 0, "a locked MAC on the fast path");

	/* Authorised: `bridge fdb replace ... master static` clears the lock. */
	((struct nlattr *)((char *)h + h->nlmsg_len - 8))->nla_type = NDA_FLAGS_EXT;
	*(__u32 *)((char *)h + h->nlmsg_len - 4) = 0;
	read_all();
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 1);
	/* Locked again. */
	*(__u32 *)((char *)h + h->nlmsg_len - 4) = locked;
	read_all();
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 0);
}

/* ---- a full map ----------------------------------------------------------- */

static void committed(struct tbl *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		t->list[i]->orig_present = t->list[i]->cur_present;
}

static int vtep_refs(const char *ip)
{
	struct vxbpf_vtep_key k = { .vni = 100 };
	struct vxbpf_vtep_val v;
	int fam;

	cr_assert_eq(parse_ip(ip, &k.ip, &fam), 0);
	return tbl_get(&C.vtep, &k, &v) == 1 ? (int)v.refs : 0;
}

/*
 * The kernel holds more than the map takes: what was in the map stays,
 * of the new entries the remote ones are left out before this host's own
 * VMs, and the counts follow what is kept.
 */
Test(mirror_events, fit_leaves_out_new_remote_entries_first)
{
	struct mport p = { .ifindex = 1, .vni = 100 };
	struct vxbpf_port_val pv = { .vni = 100 };
	struct mneigh n;
	__u32 lo = 1;
	int i;

	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	AP.ports = &p;
	AP.n_ports = 1;
	C.fdb.max_entries = 3;
	/* In the map already: bb:01 behind 192.0.2.2. */
	n = NB_(fdb_1);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	committed(&C.fdb);
	committed(&C.vtep);
	cr_assert_eq(mirror_fit(&AP, 0), 0, "nothing to leave out");
	/* New: three remotes, then a local VM. */
	for (i = 2; i <= 4; i++) {
		n.lladdr[5] = i;
		cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	}
	n = NB_(brfdb_0);
	n.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(tbl_count(&C.fdb), 5);
	cr_assert_eq(vtep_refs("192.0.2.2"), 4);

	cr_assert_eq(mirror_fit(&AP, 0), 2);
	cr_assert_eq(tbl_count(&C.fdb), 3);
	cr_assert_eq(fdb_has("02:00:00:00:bb:01"), 1, "what was in the map went");
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 1, "the local VM was left out");
	cr_assert_eq(fdb_has("02:00:00:00:bb:02"), 1, "not the latest left out");
	cr_assert_eq(vtep_refs("192.0.2.2"), 2);
}

/*
 * A MAC that moves onto a device that is no vxbpf port leaves vxbpf's
 * port, but only where that bridge carries the VNI: the same MAC in
 * another bridge's VNI is another VM's.
 */
Test(mirror_events, move_in_another_bridge_is_not_ours)
{
	struct mport p = { .ifindex = 1, .vni = 100 };
	struct vxbpf_port_val pv = { .vni = 100 };
	struct mneigh n;
	__u32 lo = 1;

	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	AP.ports = &p;
	AP.n_ports = 1;
	AP.devs = D;
	AP.n_devs = 2;
	cr_assert(D[0].link.has_master);
	cr_assert_eq(D[0].link.master, 3, "vxlan100 is in br0");
	n = NB_(brfdb_0);
	n.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 1);
	/* In br9, on its port 7: not vni 100's. */
	n.ifindex = 7;
	n.master = 9;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 1, "a move in another bridge took the MAC");
	/* In br0, onto its port 7 (no vxbpf port): gone from vxbpf. */
	n.master = 3;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb_has("02:00:00:00:aa:01"), 0);
}
