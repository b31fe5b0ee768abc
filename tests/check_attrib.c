// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/attrib.c: with a peer table of three peers
 * (nested IPv4 prefixes, IPv6), an "in" packet is its source's peer, an
 * "out" packet its destination's, one without a direction its source's
 * and else its destination's; no table, no capture or no match give the
 * empty peer (never NULL); when the capture's table changes (a new one,
 * or one made where a freed one was) rows follow it at once, whatever
 * the cache of recent answers held.
 */
#include <arpa/inet.h>
#include <string.h>

#include "attrib.h"
#include "capture.h"
#include "check_wgtap.h"
#include "wgtap.h"

static void
row_of(struct pkt_row *row, const char *src, const char *dst)
{
	int v6 = strchr(src, ':') != NULL;

	memset(row, 0, sizeof(*row));
	row->family = v6 ? 6 : 4;
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, src, row->src), 1);
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, dst, row->dst), 1);
}

static void
add(struct peertab *t, size_t idx, const char *a, unsigned plen)
{
	uint8_t b[16] = { 0 };
	int v6 = strchr(a, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, a, b), 1);
	ck_assert_int_eq(peertab_add_ip(t, idx, v6 ? 6 : 4, b, plen),
	    WGTAP_OK);
}

START_TEST(test_attrib_peer_directions)
{
	static struct capture c;
	struct peertab *t = peertab_new();
	char key[3][PEERTAB_B64_LEN + 1];
	uint8_t k[PEERTAB_KEY_LEN];
	struct pkt_row row;
	size_t i, idx;

	for (i = 0; i < 3; i++) {
		memset(k, (int)(i + 1), sizeof(k));
		check_ref_base64(k, PEERTAB_KEY_LEN, key[i]);
		ck_assert_int_eq(peertab_add_peer(t, k, &idx), WGTAP_OK);
	}
	add(t, 0, "192.0.2.11", 32);
	add(t, 1, "192.0.2.12", 32);
	add(t, 1, "203.0.113.0", 24);
	add(t, 1, "2001:db8::12", 128);
	add(t, 2, "203.0.113.128", 25);
	memset(&c, 0, sizeof(c));
	c.peers = t;

	/* client 1 to the gateway, and the answer */
	row_of(&row, "192.0.2.11", "192.0.2.1");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), key[0]);
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_NONE), key[0]);
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_OUT), "");
	row_of(&row, "192.0.2.1", "192.0.2.11");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_OUT), key[0]);
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_NONE), key[0]);
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), "");
	/* client 1 to client 2 through the gateway: in from 1, out to 2 */
	row_of(&row, "192.0.2.11", "192.0.2.12");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), key[0]);
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_OUT), key[1]);
	/* the longer prefix wins across peers */
	row_of(&row, "192.0.2.1", "203.0.113.200");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_OUT), key[2]);
	row_of(&row, "192.0.2.1", "203.0.113.2");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_OUT), key[1]);
	row_of(&row, "2001:db8::12", "2001:db8::1");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), key[1]);
	row_of(&row, "2001:db8::13", "2001:db8::1");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), "");
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_NONE), "");
	peertab_free(t);
}
END_TEST

START_TEST(test_attrib_peer_no_table)
{
	static const enum pkt_dir dirs[] = { PKT_DIR_NONE, PKT_DIR_IN,
	    PKT_DIR_OUT };
	static struct capture c;
	struct pkt_row row;
	size_t i;

	memset(&c, 0, sizeof(c));
	row_of(&row, "192.0.2.11", "198.51.100.1");
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		row.dir = (uint8_t)dirs[i];
		ck_assert_str_eq(attrib_peer(NULL, &row, dirs[i]), "");
		ck_assert_str_eq(attrib_peer(&c, &row, dirs[i]), "");
	}
}
END_TEST

START_TEST(test_attrib_peer_table_changes)
{
	static struct capture c;
	struct peertab *t1 = peertab_new(), *t2 = peertab_new(), *t3;
	char key[3][PEERTAB_B64_LEN + 1];
	uint8_t k[PEERTAB_KEY_LEN];
	struct pkt_row row, row6;
	size_t i, idx[3];
	int r;

	for (i = 0; i < 3; i++) {
		memset(k, (int)(i + 1), sizeof(k));
		check_ref_base64(k, PEERTAB_KEY_LEN, key[i]);
	}
	memset(k, 1, sizeof(k));
	ck_assert_int_eq(peertab_add_peer(t1, k, &idx[0]), WGTAP_OK);
	add(t1, idx[0], "192.0.2.11", 32);
	add(t1, idx[0], "2001:db8::11", 128);
	memset(k, 2, sizeof(k));
	ck_assert_int_eq(peertab_add_peer(t2, k, &idx[1]), WGTAP_OK);
	add(t2, idx[1], "192.0.2.0", 24);
	memset(&c, 0, sizeof(c));
	row_of(&row, "192.0.2.11", "192.0.2.1");
	row_of(&row6, "2001:db8::11", "2001:db8::1");
	/* each answer twice: once looked up, once from the cache */
	c.peers = t1;
	for (r = 0; r < 2; r++) {
		ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), key[0]);
		ck_assert_str_eq(attrib_peer(&c, &row6, PKT_DIR_IN), key[0]);
	}
	/* a peer re-addressed: the next table's answers at once */
	c.peers = t2;
	for (r = 0; r < 2; r++) {
		ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), key[1]);
		ck_assert_str_eq(attrib_peer(&c, &row6, PKT_DIR_IN), "");
	}
	/* the old table freed and a new one made, perhaps where it was */
	peertab_free(t1);
	t3 = peertab_new();
	memset(k, 3, sizeof(k));
	ck_assert_int_eq(peertab_add_peer(t3, k, &idx[2]), WGTAP_OK);
	add(t3, idx[2], "2001:db8::", 64);
	c.peers = t3;
	for (r = 0; r < 2; r++) {
		ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), "");
		ck_assert_str_eq(attrib_peer(&c, &row6, PKT_DIR_IN), key[2]);
	}
	/* and back to no table */
	c.peers = NULL;
	ck_assert_str_eq(attrib_peer(&c, &row, PKT_DIR_IN), "");
	peertab_free(t2);
	peertab_free(t3);
}
END_TEST

Suite *
attrib_suite(void)
{
	Suite *s = suite_create("attrib");
	TCase *tc = tcase_create("attrib_peer");

	tcase_add_test(tc, test_attrib_peer_directions);
	tcase_add_test(tc, test_attrib_peer_no_table);
	tcase_add_test(tc, test_attrib_peer_table_changes);
	suite_add_tcase(s, tc);
	return s;
}
