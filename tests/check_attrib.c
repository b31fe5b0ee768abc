// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/attrib.c: with no peer table, every packet,
 * whichever way it went, has the empty peer (never NULL).
 */
#include <string.h>

#include "attrib.h"
#include "check_wgtap.h"

START_TEST(test_attrib_peer_none_yet)
{
	static const enum pkt_dir dirs[] = { PKT_DIR_NONE, PKT_DIR_IN,
	    PKT_DIR_OUT };
	struct pkt_row row;
	const char *p;
	size_t i;

	memset(&row, 0, sizeof(row));
	row.family = 4;
	row.src[0] = 192;
	row.dst[0] = 198;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		row.dir = (uint8_t)dirs[i];
		p = attrib_peer(NULL, &row, dirs[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p, "");
	}
}
END_TEST

Suite *
attrib_suite(void)
{
	Suite *s = suite_create("attrib");
	TCase *tc = tcase_create("attrib_peer");

	tcase_add_test(tc, test_attrib_peer_none_yet);
	suite_add_tcase(s, tc);
	return s;
}
