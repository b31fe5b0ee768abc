/* SPDX-License-Identifier: MIT */
/*
 * The digests of one upload body (SPEC section 3): its size, MD5 (for
 * Content-MD5 and the ETag check) and SHA-256 (for x-amz-content-sha256),
 * from one pass over the open file. Nothing here prints.
 */
#ifndef WGTAP_S3BODY_H
#define WGTAP_S3BODY_H

#include <stdint.h>

#define S3_MD5_LEN		16
#define S3_SHA256_LEN		32

/* The body of one upload: an open file and its digests (s3_body_hash()). */
struct s3_body {
	int		fd;		/* read with pread; not owned */
	uint64_t	size;
	uint8_t		md5[S3_MD5_LEN];
	uint8_t		sha256[S3_SHA256_LEN];
};

/*
 * Read the whole of fd once with pread and fill *b with its size, MD5 and
 * SHA-256. Returns WGTAP_OK, WGTAP_ESYS (errno set) or WGTAP_ECRYPTO.
 */
int s3_body_hash(int fd, struct s3_body *b);

#endif
