// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One rtnetlink message as the mirror reads it: the input is the message
 * (its nlmsg_len set to the input's length, as the socket code guarantees
 * after mnl_nlmsg_ok), in a buffer of exactly that size. mirror_parse_link
 * and mirror_parse_neigh, then for a link the vni command it would become.
 * Beyond "no crash": what parses holds only what its attributes allow.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "mirror.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void check_link(const struct mlink *l)
{
	char err[128];
	struct vx_cmd c;
	int r;

	FUZZ_CHECK(l->type == RTM_NEWLINK || l->type == RTM_DELLINK, "type %d", l->type);
	FUZZ_CHECK(l->ifindex > 0, "ifindex %d", l->ifindex);
	FUZZ_CHECK(memchr(l->name, 0, sizeof(l->name)), "name not terminated");
	FUZZ_CHECK(memchr(l->kind, 0, sizeof(l->kind)), "kind not terminated");
	FUZZ_CHECK(l->family == 0 || l->family == AF_INET || l->family == AF_INET6,
		   "family %d", l->family);
	memset(err, 'x', sizeof(err));
	r = mirror_link_cmd(l, &c, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL, "mirror_link_cmd = %d", r);
	if (r) {
		FUZZ_CHECK(memchr(err, 0, sizeof(err)) && err[0], "no reason given");
		return;
	}
	/* A command like one cmd_parse() accepts for "vni replace". */
	FUZZ_CHECK(c.obj == OBJ_VNI && c.verb == VERB_REPLACE, "not a vni replace");
	FUZZ_CHECK(c.has_vni && c.vni >= 1 && c.vni <= VXBPF_VNI_MAX, "vni %u", c.vni);
	FUZZ_CHECK(c.has_ip && (c.family == AF_INET || c.family == AF_INET6), "family %d",
		   c.family);
	FUZZ_CHECK(c.has_port && c.port, "port %u", c.port);
	FUZZ_CHECK(!c.has_srcport || c.srcport_min < c.srcport_max, "srcport %u %u",
		   c.srcport_min, c.srcport_max);
	FUZZ_CHECK(c.ageing <= 86400, "ageing %u", c.ageing);
}

static void check_neigh(const struct mneigh *n)
{
	FUZZ_CHECK(n->type == RTM_NEWNEIGH || n->type == RTM_DELNEIGH, "type %d", n->type);
	FUZZ_CHECK(n->family == AF_BRIDGE || n->family == AF_INET || n->family == AF_INET6,
		   "family %d", n->family);
	if (n->has_dst) {
		FUZZ_CHECK(n->dst_family == AF_INET || n->dst_family == AF_INET6,
			   "dst family %d", n->dst_family);
		FUZZ_CHECK(n->family == AF_BRIDGE || n->dst_family == n->family,
			   "a neighbour of family %d with a dst of %d", n->family,
			   n->dst_family);
	}
	if (n->has_vni)
		FUZZ_CHECK(n->vni <= VXBPF_VNI_MAX, "vni %u", n->vni);
	(void)mirror_neigh_usable(n, false);
	(void)mirror_neigh_usable(n, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	struct mneigh n;
	struct mlink l;
	int r;

	if (size < sizeof(*nlh) || size > 65536)
		return 0;
	/* malloc's alignment, as a socket buffer's. */
	nlh = malloc(size);
	if (!nlh)
		abort();
	memcpy(nlh, data, size);
	nlh->nlmsg_len = size;

	r = mirror_parse_link(nlh, &l);
	FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL, "mirror_parse_link = %d", r);
	if (!r)
		check_link(&l);
	r = mirror_parse_neigh(nlh, &n);
	FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL, "mirror_parse_neigh = %d", r);
	if (!r)
		check_neigh(&n);
	free(nlh);
	return 0;
}
