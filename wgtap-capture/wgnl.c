// SPDX-License-Identifier: MIT
/*
 * Generic netlink for WireGuard (see wgnl.h). Netlink headers and
 * attributes are in host byte order and 4-byte aligned (RFC 3549 section
 * 2.2, linux/netlink.h); every length is checked against the bytes left
 * before it is used, and values are copied out with memcpy(), never read
 * through a cast. Unknown attributes are skipped, as the kernel's own
 * parsers do, so a newer kernel's additions do no harm.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dynbuf.h"
#include "wgnl.h"
#include "wgtap.h"

#define NLA_HDR		4
#define NLMSG_HDR	16
#define GENL_HDR	4
#define IFNAME_MAX	15
#define RECV_BUF	(256 * 1024)

/* A window on received bytes. */
struct nl_cur {
	const uint8_t	*p;
	size_t		 left;
};

static size_t
align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static uint16_t
get_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * The next attribute of c: its type (without the nested and byte-order
 * flags) and payload. 1 with c moved past it, 0 at the end, -1 when the
 * attribute does not fit.
 */
static int
nla_next(struct nl_cur *c, uint16_t *type, struct nl_cur *payload)
{
	size_t len;

	if (c->left == 0)
		return 0;
	if (c->left < NLA_HDR)
		return -1;
	len = get_u16(c->p);
	if (len < NLA_HDR || len > c->left)
		return -1;
	*type = get_u16(c->p + 2) & NLA_TYPE_MASK;
	payload->p = c->p + NLA_HDR;
	payload->left = len - NLA_HDR;
	len = align4(len);
	if (len > c->left)
		len = c->left;	/* the last one may lack its padding */
	c->p += len;
	c->left -= len;
	return 1;
}

/* One attribute of type and payload len at buf + *o (room checked). */
static void
put_attr(uint8_t *buf, size_t *o, uint16_t type, const void *data,
    size_t len)
{
	put_u16(buf + *o, (uint16_t)(NLA_HDR + len));
	put_u16(buf + *o + 2, type);
	memcpy(buf + *o + NLA_HDR, data, len);
	memset(buf + *o + NLA_HDR + len, 0, align4(len) - len);
	*o += NLA_HDR + align4(len);
}

/* Headers of a request; the length is filled in by finish(). */
static void
put_headers(uint8_t *buf, uint16_t type, uint16_t flags, uint32_t seq,
    uint8_t cmd, uint8_t version)
{
	memset(buf, 0, NLMSG_HDR + GENL_HDR);
	put_u16(buf + 4, type);
	put_u16(buf + 6, flags);
	put_u32(buf + 8, seq);
	buf[NLMSG_HDR] = cmd;
	buf[NLMSG_HDR + 1] = version;
}

size_t
wgnl_req_family(uint8_t buf[static WGNL_REQ_MAX], uint32_t seq)
{
	size_t o = NLMSG_HDR + GENL_HDR;

	put_headers(buf, GENL_ID_CTRL, NLM_F_REQUEST, seq,
	    CTRL_CMD_GETFAMILY, 1);
	put_attr(buf, &o, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME,
	    sizeof(WG_GENL_NAME));
	put_u32(buf, (uint32_t)o);
	return o;
}

size_t
wgnl_req_device(uint8_t buf[static WGNL_REQ_MAX], uint16_t family,
    uint32_t seq, const char *ifname)
{
	size_t o = NLMSG_HDR + GENL_HDR, n = strlen(ifname);

	if (n == 0 || n > IFNAME_MAX)
		return 0;
	put_headers(buf, family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq,
	    WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	put_attr(buf, &o, WGDEVICE_A_IFNAME, ifname, n + 1);
	put_u32(buf, (uint32_t)o);
	return o;
}

/*
 * The next message of c: its header fields and its payload. 1, 0 at the
 * end, -1 when it does not fit or has another sequence number.
 */
static int
msg_next(struct nl_cur *c, uint32_t seq, uint16_t *type,
    struct nl_cur *payload)
{
	size_t len;

	if (c->left == 0)
		return 0;
	if (c->left < NLMSG_HDR)
		return -1;
	len = get_u32(c->p);
	if (len < NLMSG_HDR || len > c->left || get_u32(c->p + 8) != seq)
		return -1;
	*type = get_u16(c->p + 4);
	payload->p = c->p + NLMSG_HDR;
	payload->left = len - NLMSG_HDR;
	len = align4(len);
	if (len > c->left)
		len = c->left;
	c->p += len;
	c->left -= len;
	return 1;
}

/* The error code of an NLMSG_ERROR or NLMSG_DONE payload (<= 0). */
static int
msg_error(const struct nl_cur *payload, int *err)
{
	int32_t e;

	if (payload->left < 4)
		return WGTAP_EFORMAT;
	memcpy(&e, payload->p, 4);
	if (e > 0 || e < -4095)
		return WGTAP_EFORMAT;
	*err = -e;
	return WGTAP_OK;
}

/* An error reported by the kernel as WGTAP_ESYS, or WGTAP_OK for 0. */
static int
kernel_error(const struct nl_cur *payload)
{
	int err = 0;

	if (msg_error(payload, &err) != WGTAP_OK)
		return WGTAP_EFORMAT;
	if (err == 0)
		return WGTAP_OK;
	errno = err;
	return WGTAP_ESYS;
}

int
wgnl_parse_family(const uint8_t *buf, size_t len, uint32_t seq,
    uint16_t *id)
{
	struct nl_cur c = { buf, len }, m, a, v;
	uint16_t type;
	int r;

	r = msg_next(&c, seq, &type, &m);
	if (r != 1)
		return WGTAP_EFORMAT;
	if (type == NLMSG_ERROR) {
		r = kernel_error(&m);
		return r == WGTAP_OK ? WGTAP_EFORMAT : r;
	}
	if (type != GENL_ID_CTRL || m.left < GENL_HDR)
		return WGTAP_EFORMAT;
	a.p = m.p + GENL_HDR;
	a.left = m.left - GENL_HDR;
	while ((r = nla_next(&a, &type, &v)) == 1) {
		if (type == CTRL_ATTR_FAMILY_ID && v.left == 2) {
			*id = get_u16(v.p);
			return *id >= NLMSG_MIN_TYPE ? WGTAP_OK :
			    WGTAP_EFORMAT;
		}
	}
	return WGTAP_EFORMAT;
}

int
wgnl_dump_init(struct wgnl_dump *d, uint16_t family, uint32_t seq,
    bool table)
{
	memset(d, 0, sizeof(*d));
	tabdigest_init(&d->dg, TABDIGEST_NETLINK);
	d->family = family;
	d->seq = seq;
	if (!table)
		return WGTAP_OK;
	d->t = peertab_new();
	return d->t ? WGTAP_OK : WGTAP_ENOMEM;
}

/* The hash of an item of a peer: attribute type and payload. */
static uint64_t
item_hash(uint16_t type, const struct nl_cur *v)
{
	return tabdigest_hash(v->p, v->left) ^ (uint64_t)type << 48;
}

void
wgnl_dump_free(struct wgnl_dump *d)
{
	peertab_free(d->t);
	d->t = NULL;
}

/* WGALLOWEDIP_A_*: one allowed-ip of peer idx. */
static int
parse_allowedip(struct wgnl_dump *d, size_t idx, struct nl_cur c)
{
	struct nl_cur v;
	uint16_t type, fam = 0;
	const uint8_t *addr = NULL;
	size_t alen = 0;
	int plen = -1, r;

	while ((r = nla_next(&c, &type, &v)) == 1) {
		if (type == WGALLOWEDIP_A_FAMILY && v.left == 2)
			fam = get_u16(v.p);
		else if (type == WGALLOWEDIP_A_IPADDR) {
			addr = v.p;
			alen = v.left;
		} else if (type == WGALLOWEDIP_A_CIDR_MASK && v.left == 1)
			plen = v.p[0];
	}
	if (r != 0 || !addr || plen < 0 ||
	    !((fam == AF_INET && alen == 4) || (fam == AF_INET6 && alen == 16)))
		return WGTAP_EFORMAT;
	return peertab_add_ip(d->t, idx, fam == AF_INET ? 4 : 6, addr,
	    (unsigned)plen);
}

/* WGPEER_A_ENDPOINT: a sockaddr_in or sockaddr_in6 as text. */
static int
set_endpoint(struct wgnl_dump *d, size_t idx, const struct nl_cur *v)
{
	char addr[INET6_ADDRSTRLEN], text[PEERTAB_ENDPOINT_MAX];
	uint16_t fam, port;
	int n;

	if (v->left < 2)
		return WGTAP_EFORMAT;
	fam = get_u16(v->p);
	if (fam == AF_INET && v->left >= 8)
		inet_ntop(AF_INET, v->p + 4, addr, sizeof(addr));
	else if (fam == AF_INET6 && v->left >= 24)
		inet_ntop(AF_INET6, v->p + 8, addr, sizeof(addr));
	else
		return WGTAP_EFORMAT;
	port = (uint16_t)(v->p[2] << 8 | v->p[3]);
	n = snprintf(text, sizeof(text), fam == AF_INET ? "%s:%u" :
	    "[%s]:%u", addr, port);
	if (n < 0 || (size_t)n >= sizeof(text))
		return WGTAP_EFORMAT;
	return peertab_set_endpoint(d->t, idx, text);
}

/* One element of WGDEVICE_A_PEERS. */
static int
parse_peer(struct wgnl_dump *d, struct nl_cur c)
{
	struct nl_cur v, ips = { NULL, 0 }, ep = { NULL, 0 }, ip;
	struct nl_cur kv = { NULL, 0 };
	const uint8_t *key = NULL;
	uint64_t peer;
	uint16_t type;
	size_t idx = 0;
	int n, r = WGTAP_OK;

	while ((n = nla_next(&c, &type, &v)) == 1) {
		if (type == WGPEER_A_PUBLIC_KEY && v.left == PEERTAB_KEY_LEN) {
			key = v.p;
			kv = v;
		} else if (type == WGPEER_A_ENDPOINT)
			ep = v;
		else if (type == WGPEER_A_ALLOWEDIPS)
			ips = v;
	}
	if (n != 0 || !key)
		return WGTAP_EFORMAT;
	peer = tabdigest_peer(item_hash(WGPEER_A_PUBLIC_KEY, &kv));
	tabdigest_add(&d->dg, item_hash(WGPEER_A_PUBLIC_KEY, &kv), peer);
	if (ep.p)
		tabdigest_add(&d->dg, item_hash(WGPEER_A_ENDPOINT, &ep), peer);
	if (d->t)
		r = peertab_add_peer(d->t, key, &idx);
	if (r == WGTAP_OK && ep.p && d->t)
		r = set_endpoint(d, idx, &ep);
	n = 1;
	while (r == WGTAP_OK && (n = nla_next(&ips, &type, &ip)) == 1) {
		tabdigest_add(&d->dg, item_hash(WGPEER_A_ALLOWEDIPS, &ip),
		    peer);
		if (d->t)
			r = parse_allowedip(d, idx, ip);
	}
	if (r == WGTAP_OK && n < 0)
		r = WGTAP_EFORMAT;
	return r;
}

/* One WireGuard message: device attributes, perhaps peers. */
static int
parse_device(struct wgnl_dump *d, const struct nl_cur *m)
{
	struct nl_cur a, v, peer;
	uint16_t type;
	int r, rp = WGTAP_OK;

	if (m->left < GENL_HDR || m->p[0] != WG_CMD_GET_DEVICE)
		return WGTAP_EFORMAT;
	a.p = m->p + GENL_HDR;
	a.left = m->left - GENL_HDR;
	while (rp == WGTAP_OK && (r = nla_next(&a, &type, &v)) == 1) {
		if (type != WGDEVICE_A_PEERS)
			continue;
		while (rp == WGTAP_OK && (r = nla_next(&v, &type, &peer)) == 1)
			rp = parse_peer(d, peer);
		if (r < 0)
			return WGTAP_EFORMAT;
	}
	if (rp != WGTAP_OK)
		return rp;
	return r == 0 ? WGTAP_OK : WGTAP_EFORMAT;
}

int
wgnl_dump_feed(struct wgnl_dump *d, const uint8_t *buf, size_t len)
{
	struct nl_cur c = { buf, len }, m;
	uint16_t type;
	int r = WGTAP_OK, n;

	if (len > WGNL_MAX_DUMP - d->bytes)
		return WGTAP_ETOOBIG;
	d->bytes += len;
	while (r == WGTAP_OK && (n = msg_next(&c, d->seq, &type, &m)) == 1) {
		if (d->done)
			r = WGTAP_EFORMAT;
		else if (type == NLMSG_ERROR)
			r = kernel_error(&m);
		else if (type == NLMSG_DONE) {
			d->done = 1;
			r = kernel_error(&m);
		} else if (type == d->family)
			r = parse_device(d, &m);
		else
			r = WGTAP_EFORMAT;
	}
	if (r == WGTAP_OK && n < 0)
		r = WGTAP_EFORMAT;
	return r;
}

/* Wait up to the deadline for something to read on fd. */
static int
wait_in(int fd, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t now = wgtap_clock_ns(CLOCK_MONOTONIC);
	int r;

	if (now >= deadline) {
		errno = ETIMEDOUT;
		return WGTAP_ESYS;
	}
	r = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? WGTAP_OK : WGTAP_ESYS;
}

/*
 * One datagram into buf (cap bytes): its length in *n. A datagram larger
 * than buf is an error (MSG_TRUNC), not a silent cut.
 */
static int
recv_one(int fd, uint8_t *buf, size_t cap, uint64_t deadline, size_t *n)
{
	ssize_t got;
	int r;

	for (;;) {
		r = wait_in(fd, deadline);
		if (r != WGTAP_OK)
			return r;
		got = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			return WGTAP_ESYS;
		if ((size_t)got > cap)
			return WGTAP_ETOOBIG;
		*n = (size_t)got;
		return WGTAP_OK;
	}
}

static int
send_req(int fd, const uint8_t *req, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel,
	    sizeof(kernel)) != (ssize_t)len)
		return WGTAP_ESYS;
	return WGTAP_OK;
}

static int
get_family(int fd, uint8_t *buf, uint64_t deadline, uint16_t *id)
{
	uint8_t req[WGNL_REQ_MAX];
	size_t n;
	int r;

	r = send_req(fd, req, wgnl_req_family(req, 1));
	if (r == WGTAP_OK)
		r = recv_one(fd, buf, RECV_BUF, deadline, &n);
	if (r == WGTAP_OK)
		r = wgnl_parse_family(buf, n, 1, id);
	return r;
}

/*
 * The datagrams of a dump into d, until NLMSG_DONE; with keep, each is
 * also appended to keep, padded to 4 bytes, so that the messages lie end
 * to end as wgnl_dump_feed() takes them.
 */
static int
recv_dump(int fd, uint8_t *buf, uint64_t deadline, struct wgnl_dump *d,
    struct dynbuf *keep)
{
	static const uint8_t pad[3];
	size_t n;
	int r = WGTAP_OK;

	while (r == WGTAP_OK && !d->done) {
		r = recv_one(fd, buf, RECV_BUF, deadline, &n);
		if (r == WGTAP_OK)
			r = wgnl_dump_feed(d, buf, n);
		if (r == WGTAP_OK && keep)
			r = dynbuf_add(keep, buf, n);
		if (r == WGTAP_OK && keep)
			r = dynbuf_add(keep, pad, (4 - n % 4) % 4);
	}
	return r;
}

static int
get_device(int fd, uint8_t *buf, uint64_t deadline, uint16_t id,
    const char *ifname, struct tabdigest *last, struct peertab **out)
{
	bool quick = last && last->valid;
	uint8_t req[WGNL_REQ_MAX];
	struct wgnl_dump d;
	struct dynbuf keep;
	size_t len = wgnl_req_device(req, id, 2, ifname);
	int r;

	if (len == 0) {
		errno = ENODEV;
		return WGTAP_ESYS;
	}
	dynbuf_init(&keep, WGNL_MAX_DUMP + RECV_BUF);
	r = wgnl_dump_init(&d, id, 2, !quick);
	if (r == WGTAP_OK)
		r = send_req(fd, req, len);
	if (r == WGTAP_OK)
		r = recv_dump(fd, buf, deadline, &d, quick ? &keep : NULL);
	if (r == WGTAP_OK && quick) {
		if (tabdigest_same(last, &d.dg))
			goto out;		/* the table in hand stands */
		wgnl_dump_free(&d);
		r = wgnl_dump_init(&d, id, 2, true);
		if (r == WGTAP_OK)
			r = wgnl_dump_feed(&d,
			    (const uint8_t *)dynbuf_str(&keep),
			    dynbuf_len(&keep));
		if (r == WGTAP_OK && !d.done)
			r = WGTAP_EFORMAT;
	}
	if (r == WGTAP_OK) {
		*out = d.t;
		d.t = NULL;
	}
 out:
	if (last) {
		*last = d.dg;
		last->valid = r == WGTAP_OK;
	}
	wgnl_dump_free(&d);
	dynbuf_free(&keep);
	return r;
}

int
wgnl_read_if_changed(const char *ifname, int timeout_ms,
    struct tabdigest *last, struct peertab **out)
{
	uint64_t deadline = wgtap_clock_ns(CLOCK_MONOTONIC) +
	    (uint64_t)timeout_ms * 1000000;
	uint8_t *buf = NULL;
	uint16_t id;
	int fd = -1, r = WGTAP_ENOMEM, saved;

	*out = NULL;
	buf = malloc(RECV_BUF);
	if (!buf)
		goto out;
	r = WGTAP_ESYS;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd == -1)
		goto out;
	r = get_family(fd, buf, deadline, &id);
	if (r == WGTAP_OK)
		r = get_device(fd, buf, deadline, id, ifname, last, out);
 out:
	saved = errno;
	if (r != WGTAP_OK && last)
		last->valid = false;
	if (fd != -1)
		close(fd);
	free(buf);
	errno = saved;
	return r;
}

int
wgnl_read(const char *ifname, int timeout_ms, struct peertab **out)
{
	return wgnl_read_if_changed(ifname, timeout_ms, NULL, out);
}
