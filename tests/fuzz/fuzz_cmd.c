// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command line: the input is argv (words separated by NUL bytes, each
 * in its own allocation so that reading past a word is caught), parsed by
 * cmd_parse() as `vxbpf WORDS...` is. Beyond "no crash": an error has a
 * message, and an accepted command holds only values its words allow.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "parse.h"

#define MAX_WORDS 256

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void check_cmd(const struct vx_cmd *c, char **words, int n)
{
	int i, j;

	FUZZ_CHECK(c->obj != OBJ_NONE, "accepted without an object");
	FUZZ_CHECK(strcmp(obj_name(c->obj), "?"), "object %d has no name", c->obj);
	if (c->has_vni)
		FUZZ_CHECK(c->vni >= 1 && c->vni <= VXBPF_VNI_MAX, "vni %u", c->vni);
	if (c->has_ip)
		FUZZ_CHECK(c->family == AF_INET || c->family == AF_INET6,
			   "family %d", c->family);
	if (c->has_dev)
		FUZZ_CHECK(c->dev[0] && strnlen(c->dev, IF_NAMESIZE) < IF_NAMESIZE &&
				   !strchr(c->dev, '/'),
			   "device name \"%.16s\"", c->dev);
	if (c->has_srcport)
		FUZZ_CHECK(c->srcport_min < c->srcport_max, "srcport %u %u",
			   c->srcport_min, c->srcport_max);
	if (c->obj == OBJ_VNI && c->verb != VERB_SHOW && c->verb != VERB_DEL)
		FUZZ_CHECK(c->has_ip && c->has_port && c->port, "vni without local/port");
	if (c->obj == OBJ_FDB && c->verb != VERB_SHOW && c->verb != VERB_FLUSH)
		FUZZ_CHECK(c->has_mac && c->has_vni, "fdb without MAC or VNI");
	if (c->obj == OBJ_NEIGH && c->verb != VERB_SHOW && c->verb != VERB_FLUSH)
		FUZZ_CHECK(c->has_ip && c->has_vni, "neigh without IP or VNI");
	if (c->obj == OBJ_NEIGH && (c->verb == VERB_ADD || c->verb == VERB_REPLACE))
		FUZZ_CHECK(c->has_mac && !(c->mac[0] & 1), "neigh lladdr");
	if (c->obj == OBJ_MIRROR) {
		FUZZ_CHECK(c->n_devs >= 1 && c->n_devs <= MIRROR_DEVS_MAX, "%d devices",
			   c->n_devs);
		/* The names are words of argv, each once. */
		for (i = 0; i < c->n_devs; i++) {
			for (j = 0; j < n && c->devs[i] != words[j]; j++)
				;
			FUZZ_CHECK(j < n, "device %d is not a word", i);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(c->devs[i], c->devs[j]), "device twice");
		}
	}
	if (c->obj == OBJ_LOAD)
		FUZZ_CHECK(c->file, "load without a file");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_WORDS], *argv[MAX_WORDS], err[256];
	struct vx_cmd c;
	size_t off = 0, len;
	int n = 0, ret, i;

	while (off < size && n < MAX_WORDS) {
		const uint8_t *nul = memchr(data + off, 0, size - off);

		len = nul ? (size_t)(nul - (data + off)) : size - off;
		words[n++] = fuzz_str(data + off, len);
		off += len + 1;
	}
	/* cmd_parse may reorder argv (mirror's device names): a copy. */
	memcpy(argv, words, n * sizeof(*argv));
	memset(err, 'x', sizeof(err));
	ret = cmd_parse(n, argv, &c, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(memchr(err, 0, sizeof(err)), "message not terminated");
	if (ret)
		FUZZ_CHECK(err[0], "an error without a message");
	else
		check_cmd(&c, words, n);
	/* A short buffer for the message truncates it, nothing more. */
	memcpy(argv, words, n * sizeof(*argv));
	ret = cmd_parse(n, argv, &c, err, 8);
	if (ret)
		FUZZ_CHECK(strnlen(err, 8) < 8, "message beyond its buffer");
	(void)cmd_is_map_change(&c);
	for (i = 0; i < n; i++)
		free(words[i]);
	return 0;
}
