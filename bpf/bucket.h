/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A token bucket, for every rate limit of the fast path (the events'
 * budget per VNI, the path MTU replies per VM and destination): up to
 * burst tokens, one more every interval_ns. last_ns moves by whole
 * intervals, so no fraction of a token is lost between two calls; a
 * bucket another CPU refilled after we read the clock (a shared map) is
 * left as it is.
 */
#ifndef VXBPF_BUCKET_H
#define VXBPF_BUCKET_H

static __always_inline bool bucket_take(__u64 *tokens, __u64 *last_ns, __u64 now, __u64 burst,
					__u64 interval_ns)
{
	__u64 n = 0;

	if (now > *last_ns)
		n = (now - *last_ns) / interval_ns;
	if (n) {
		if (*tokens + n >= burst) {
			/* Full: time spent full earns nothing. */
			*tokens = burst;
			*last_ns = now;
		} else {
			*tokens += n;
			*last_ns += n * interval_ns;
		}
	}
	if (!*tokens)
		return false;
	(*tokens)--;
	return true;
}

#endif /* VXBPF_BUCKET_H */
