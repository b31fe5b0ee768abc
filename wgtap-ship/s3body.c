// SPDX-License-Identifier: MIT
/*
 * The digests of an upload body, in one pass over the open file with
 * pread: MD5 for Content-MD5 and the ETag check, SHA-256 for
 * x-amz-content-sha256. Both come from OpenSSL EVP. The file is never held
 * in memory, and its read position is not used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "s3body.h"
#include "wgtap.h"

#define S3_READ_CHUNK	(64 * 1024)

int
s3_body_hash(int fd, struct s3_body *b)
{
	EVP_MD_CTX *md5 = NULL, *sha = NULL;
	unsigned char *buf = NULL;
	unsigned int mlen, slen;
	uint64_t off = 0;
	size_t n;
	int r = WGTAP_ENOMEM;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	buf = malloc(S3_READ_CHUNK);
	md5 = EVP_MD_CTX_new();
	sha = EVP_MD_CTX_new();
	if (!buf || !md5 || !sha)
		goto out;
	r = WGTAP_ECRYPTO;
	if (EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1 ||
	    EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		goto out;
	do {
		if (atomicio_pread(fd, buf, S3_READ_CHUNK, (off_t)off, &n) !=
		    WGTAP_OK) {
			r = WGTAP_ESYS;
			goto out;
		}
		if (EVP_DigestUpdate(md5, buf, n) != 1 ||
		    EVP_DigestUpdate(sha, buf, n) != 1)
			goto out;
		off += n;
	} while (n == S3_READ_CHUNK);	/* a short read: the end of the file */
	if (EVP_DigestFinal_ex(md5, b->md5, &mlen) != 1 ||
	    EVP_DigestFinal_ex(sha, b->sha256, &slen) != 1 ||
	    mlen != S3_MD5_LEN || slen != S3_SHA256_LEN)
		goto out;
	b->size = off;
	r = WGTAP_OK;
 out:
	if (r == WGTAP_ECRYPTO)
		ERR_clear_error();
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	free(buf);
	if (r != WGTAP_OK) {
		int saved_errno = errno;

		memset(b, 0, sizeof(*b));
		b->fd = fd;
		errno = saved_errno;
	}
	return r;
}
