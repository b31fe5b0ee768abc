// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/tabdigest.c: the hash sees every byte and the
 * length; a digest is a sum, so the order of the items does not matter
 * but each item's peer, each item and how many times do; digests of
 * different sources never compare equal.
 */
#include <string.h>

#include "check_wgtap.h"
#include "tabdigest.h"

START_TEST(test_tabdigest_hash)
{
	char a[40], b[40];
	size_t i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = (char)(i * 7 + 1);
	ck_assert_uint_eq(tabdigest_hash(a, sizeof(a)),
	    tabdigest_hash(a, sizeof(a)));
	for (i = 0; i < sizeof(a); i++) {
		memcpy(b, a, sizeof(a));
		b[i] ^= 1;
		ck_assert_uint_ne(tabdigest_hash(a, sizeof(a)),
		    tabdigest_hash(b, sizeof(b)));
	}
	/* a zero byte more is another item */
	memset(b, 0, sizeof(b));
	ck_assert_uint_ne(tabdigest_hash(b, 3), tabdigest_hash(b, 4));
	ck_assert_uint_ne(tabdigest_hash(b, 0), tabdigest_hash(b, 8));
	ck_assert_uint_ne(tabdigest_peer(tabdigest_hash(a, 4)), 0);
}
END_TEST

START_TEST(test_tabdigest_sum)
{
	struct tabdigest x, y;
	uint64_t p = tabdigest_peer(tabdigest_hash("K1", 2));
	uint64_t q = tabdigest_peer(tabdigest_hash("K2", 2));
	uint64_t h1 = tabdigest_hash("10.0.0.1/32", 11);
	uint64_t h2 = tabdigest_hash("10.0.0.2/32", 11);

	tabdigest_init(&x, TABDIGEST_UAPI);
	tabdigest_init(&y, TABDIGEST_UAPI);
	ck_assert(tabdigest_same(&x, &y));
	ck_assert(!x.valid && x.items == 0 && x.source == TABDIGEST_UAPI);
	tabdigest_add(&x, h1, p);
	tabdigest_add(&x, h2, q);
	tabdigest_add(&y, h2, q);
	tabdigest_add(&y, h1, p);
	ck_assert(tabdigest_same(&x, &y));	/* another order */
	ck_assert_uint_eq(x.items, 2);

	tabdigest_init(&y, TABDIGEST_UAPI);	/* the items swapped peers */
	tabdigest_add(&y, h1, q);
	tabdigest_add(&y, h2, p);
	ck_assert(!tabdigest_same(&x, &y));

	tabdigest_init(&y, TABDIGEST_UAPI);	/* one item twice */
	tabdigest_add(&y, h1, p);
	tabdigest_add(&y, h1, p);
	ck_assert(!tabdigest_same(&x, &y));

	y = x;					/* one more item */
	tabdigest_add(&y, h1, 0);
	ck_assert(!tabdigest_same(&x, &y));

	y = x;					/* another source */
	y.source = TABDIGEST_NETLINK;
	ck_assert(!tabdigest_same(&x, &y));

	y = x;					/* valid is not compared */
	y.valid = true;
	ck_assert(tabdigest_same(&x, &y));
}
END_TEST

Suite *
tabdigest_suite(void)
{
	Suite *s = suite_create("tabdigest");
	TCase *tc;

	tc = tcase_create("tabdigest");
	tcase_add_test(tc, test_tabdigest_hash);
	tcase_add_test(tc, test_tabdigest_sum);
	suite_add_tcase(s, tc);
	return s;
}
