// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3body.c: size, MD5 and SHA-256 of a known text, of
 * an empty file, of files around and above the size of one read (checked
 * against OpenSSL's one-shot digest), wherever the read position is, and
 * of a bad descriptor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "check_wgtap.h"
#include "s3body.h"
#include "wgtap.h"

START_TEST(test_s3_body_hash_known)
{
	const char *text = "Welcome to Amazon S3.";
	struct s3_body b;
	char h[65];
	int fd;

	fd = tfile_fd(text, strlen(text));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_int_eq(b.fd, fd);
	ck_assert_uint_eq(b.size, strlen(text));
	check_ref_hex(b.sha256, 32, h);
	ck_assert_str_eq(h,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	check_ref_hex(b.md5, 16, h);
	ck_assert_str_eq(h, "d447d0e8f289f16a12ff6027ce77c258");
	close(fd);

	fd = tfile_fd(NULL, 0);
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_uint_eq(b.size, 0);
	check_ref_hex(b.sha256, 32, h);
	ck_assert_str_eq(h,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_ref_hex(b.md5, 16, h);
	ck_assert_str_eq(h, "d41d8cd98f00b204e9800998ecf8427e");
	close(fd);
}
END_TEST

/* Lengths around the 64 KiB read: the last read short, full, or empty. */
static const size_t large_len[] = {
	3 * 65536 + 123, 2 * 65536, 65536 - 1, 65536, 65536 + 1,
};

START_TEST(test_s3_body_hash_large)
{
	size_t len = large_len[_i], i;
	unsigned char *data = malloc(len), md[32];
	unsigned int mdlen;
	struct s3_body b;
	int fd;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + i / 7);
	fd = tfile_fd(data, len);
	/* The read position does not matter: the hash uses pread. */
	ck_assert_int_eq(lseek(fd, 17, SEEK_SET), 17);
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_uint_eq(b.size, len);
	ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_sha256(),
	    NULL), 1);
	ck_assert_mem_eq(b.sha256, md, 32);
	ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL),
	    1);
	ck_assert_mem_eq(b.md5, md, 16);
	close(fd);
	free(data);
}
END_TEST

START_TEST(test_s3_body_hash_bad_fd)
{
	struct s3_body b;

	ck_assert_int_eq(s3_body_hash(-1, &b), WGTAP_ESYS);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(b.size, 0);
}
END_TEST

Suite *
s3body_suite(void)
{
	Suite *s = suite_create("s3body");
	TCase *tc;

	tc = tcase_create("s3_body_hash");
	tcase_add_test(tc, test_s3_body_hash_known);
	tcase_add_loop_test(tc, test_s3_body_hash_large, 0,
	    (int)(sizeof(large_len) / sizeof(large_len[0])));
	tcase_add_test(tc, test_s3_body_hash_bad_fd);
	suite_add_tcase(s, tc);
	return s;
}
