// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the mirror does with one socket read, without a socket: the input
 * (after a first byte of settings) is the read, a run of netlink messages.
 *   - as a dump's answer: mirror_dump_read(), each message parsed and
 *     applied as a resync does (FDB, bridge and neighbour entries), and
 *   - as notifications: mirror_events_read() with the rules of
 *     user/mirror_events.c,
 * both against the host of the recorded messages (tests/unit/mirror_msgs.h:
 * vxlan100, VNI 100, in br0) and memory-only tables.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "mirror.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "unit/mirror_msgs.h"
#pragma GCC diagnostic pop

static struct mlink vxlan100;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	if (mirror_parse_link((const struct nlmsghdr *)link_vxlan100, &vxlan100))
		abort();
	return 0;
}

struct host {
	struct vx_cfg cfg;
	struct tbl warned;
	struct mirror_apply ap;
	struct mirror_dev dev[2];
	struct mirror_events ev;
};

/* Settings: bit 0 vxlan100 up, 1 usable, 2 neighbours on the bridge
 * (suppress), 3 br0 up, 4 a resync pending, 5 backing off, 6 verbose. */
static int setup(struct host *h, unsigned set)
{
	memset(h, 0, sizeof(*h));
	cfg_init(&h->cfg, NULL);
	tbl_init(&h->warned, "warned", -1, 32, 4, 0);
	h->ap.cfg = &h->cfg;
	h->ap.warned = &h->warned;
	h->ap.verbose = set & 64;
	snprintf(h->dev[0].name, sizeof(h->dev[0].name), "vxlan100");
	h->dev[0].link = vxlan100;
	h->dev[0].ifindex = 2;
	h->dev[0].up = set & 1;
	h->dev[0].usable = set & 2;
	h->dev[0].vni = 100;
	h->dev[0].suppress = set & 4;
	h->dev[0].neigh_if = set & 4 ? 3 : 2;
	snprintf(h->dev[1].name, sizeof(h->dev[1].name), "br0");
	h->dev[1].ifindex = 3;
	h->dev[1].bridge = true;
	h->dev[1].up = set & 8;
	h->dev[1].link.ifi_flags = set & 8 ? IFF_UP : 0;
	h->ev.dev = h->dev;
	h->ev.n = 2;
	h->ev.a = &h->ap;
	h->ev.resync_pending = set & 16;
	h->ev.backing_off = set & 32;
	h->ev.verbose = set & 64;
	return mirror_vni(&h->ap, &vxlan100);
}

static void teardown(struct host *h)
{
	cfg_free(&h->cfg);
	tbl_free(&h->warned);
}

/* As mirror.c's dump callbacks: each message to where a resync sends it. */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host *h = data;
	struct mirror_dev *d = &h->dev[0];
	struct mneigh n;
	struct mlink l;
	struct vx_cmd c;
	char err[128];

	if (!mirror_parse_link(nlh, &l)) {
		mirror_link_cmd(&l, &c, err, sizeof(err));
		return MNL_CB_OK;
	}
	if (mirror_parse_neigh(nlh, &n))
		return MNL_CB_OK;
	if (n.family == AF_BRIDGE && (n.flags & NTF_SELF) && n.ifindex == d->ifindex)
		mirror_fdb(&h->ap, d->vni, &n);
	else if (n.family == AF_BRIDGE && !(n.flags & NTF_SELF) && n.has_master &&
		 n.master == h->dev[1].ifindex)
		mirror_local(&h->ap, &n);
	else if (n.family != AF_BRIDGE && n.ifindex == d->neigh_if)
		mirror_neigh(&h->ap, d->vni, &n);
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h;
	bool intr = false;
	void *buf;
	int r;

	if (size < 1 || size > 65536)
		return 0;
	/* A socket buffer: malloc's alignment, exactly the read's length. */
	buf = malloc(size - 1 ?: 1);
	if (!buf)
		abort();

	/* A resync's dump, then the same bytes as notifications after it
	 * (one host for both: setting one up is most of the cost). */
	memcpy(buf, data + 1, size - 1);
	FUZZ_CHECK(!setup(&h, data[0]), "the recorded vxlan100 does not apply");
	r = mirror_dump_read(buf, size - 1, 0, 0, dump_cb, &h, &intr);
	FUZZ_CHECK(r == MNL_CB_OK || r == MNL_CB_STOP || r < 0, "mirror_dump_read = %d", r);
	mirror_fit(&h.ap, 0);

	memcpy(buf, data + 1, size - 1);
	mirror_events_read(&h.ev, buf, size - 1);
	FUZZ_CHECK(h.ev.resync || !h.ev.now, "now without a resync");
	cfg_derive(&h.cfg, false);
	teardown(&h);
	free(buf);
	return 0;
}
