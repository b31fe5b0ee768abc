// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3ca.c: a PEM file with two certificates (made here
 * with OpenSSL, each self-signed) loads as exactly those two, in order; a
 * missing file and a file without a certificate are told apart; and the
 * loaded certificates land in a trust store, also when added twice.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check_wgtap.h"
#include "s3ca.h"
#include "wgtap.h"

/* A self-signed certificate for CN=cn with a fresh EC key. */
static X509 *
make_cert(const char *cn)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	name = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	EVP_PKEY_free(key);
	return x;
}

/* The CN of x, into buf. */
static const char *
cert_cn(X509 *x, char *buf, int len)
{
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, buf, len), 0);
	return buf;
}

/* A temporary PEM file: some text, then the certificates given. */
static void
write_pem(char *path, const char *text, X509 *a, X509 *b)
{
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	if (a)
		ck_assert_int_eq(PEM_write_X509(f, a), 1);
	if (b)
		ck_assert_int_eq(PEM_write_X509(f, b), 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_s3_ca_load_two)
{
	char path[] = "/tmp/wgtap-check-ca-XXXXXX", cn[64];
	X509 *a = make_cert("wgtap test CA one"), *b;
	STACK_OF(X509) *cas = NULL;

	b = make_cert("wgtap test CA two");
	/* Text around PEM blocks is skipped, as in a bundle with comments. */
	write_pem(path, "# two test CAs\n", a, b);
	ck_assert_int_eq(s3_ca_load(path, &cas), WGTAP_OK);
	ck_assert_ptr_nonnull(cas);
	ck_assert_int_eq(sk_X509_num(cas), 2);
	ck_assert_str_eq(cert_cn(sk_X509_value(cas, 0), cn, sizeof(cn)),
	    "wgtap test CA one");
	ck_assert_str_eq(cert_cn(sk_X509_value(cas, 1), cn, sizeof(cn)),
	    "wgtap test CA two");
	ck_assert_int_eq(X509_cmp(sk_X509_value(cas, 0), a), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(cas, 1), b), 0);
	s3_ca_free(cas);
	X509_free(a);
	X509_free(b);
	unlink(path);
}
END_TEST

START_TEST(test_s3_ca_load_missing)
{
	STACK_OF(X509) *cas = NULL;

	ck_assert_int_eq(s3_ca_load("/nonexistent/wgtap/ca.pem", &cas),
	    WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(cas);
}
END_TEST

START_TEST(test_s3_ca_load_no_certificate)
{
	char text[] = "/tmp/wgtap-check-ca-XXXXXX";
	char empty[] = "/tmp/wgtap-check-ca-XXXXXX";
	STACK_OF(X509) *cas = NULL;

	write_pem(text, "not a certificate\n", NULL, NULL);
	ck_assert_int_eq(s3_ca_load(text, &cas), WGTAP_EFORMAT);
	ck_assert_ptr_null(cas);
	unlink(text);
	write_pem(empty, "", NULL, NULL);
	ck_assert_int_eq(s3_ca_load(empty, &cas), WGTAP_EFORMAT);
	ck_assert_ptr_null(cas);
	unlink(empty);
}
END_TEST

START_TEST(test_s3_ca_add_store)
{
	char path[] = "/tmp/wgtap-check-ca-XXXXXX";
	X509 *a = make_cert("wgtap test CA one");
	X509 *b = make_cert("wgtap test CA two");
	STACK_OF(X509) *cas = NULL;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();

	ck_assert_ptr_nonnull(store);
	ck_assert_ptr_nonnull(ctx);
	write_pem(path, "", a, b);
	ck_assert_int_eq(s3_ca_load(path, &cas), WGTAP_OK);
	ck_assert_int_eq(s3_ca_add(store, cas), WGTAP_OK);
	/* every connection adds them again: that must not fail */
	ck_assert_int_eq(s3_ca_add(store, cas), WGTAP_OK);
	ck_assert_int_eq(sk_X509_OBJECT_num(X509_STORE_get0_objects(store)),
	    2);
	/* and the store now trusts them: each verifies as its own root */
	ck_assert_int_eq(X509_STORE_CTX_init(ctx, store, b, NULL), 1);
	ck_assert_int_eq(X509_verify_cert(ctx), 1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	s3_ca_free(cas);
	s3_ca_free(NULL);
	X509_free(a);
	X509_free(b);
	unlink(path);
}
END_TEST

Suite *
s3ca_suite(void)
{
	Suite *s = suite_create("s3ca");
	TCase *tc;

	tc = tcase_create("s3_ca_load");
	tcase_add_test(tc, test_s3_ca_load_two);
	tcase_add_test(tc, test_s3_ca_load_missing);
	tcase_add_test(tc, test_s3_ca_load_no_certificate);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_ca_add");
	tcase_add_test(tc, test_s3_ca_add_store);
	suite_add_tcase(s, tc);
	return s;
}
