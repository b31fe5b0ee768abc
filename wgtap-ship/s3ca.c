// SPDX-License-Identifier: MIT
/*
 * The certificates of --ca-file: every certificate of a PEM file read once
 * at start, and added to the trust store of each TLS connection (s3.c
 * calls s3_ca_add() from libcurl's CURLOPT_SSL_CTX_FUNCTION), on top of
 * the system store. Nothing here turns verification off; there is no way
 * to.
 */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "s3ca.h"
#include "wgtap.h"

int
s3_ca_load(const char *path, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	BIO *bio = NULL;
	int r = WGTAP_ENOMEM;

	*out = NULL;
	sk = sk_X509_new_null();
	if (!sk)
		goto out;
	errno = 0;
	bio = BIO_new_file(path, "r");
	if (!bio) {
		r = errno ? WGTAP_ESYS : WGTAP_EFORMAT;
		goto out;
	}
	for (;;) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!x)
			break;	/* the end, or no more certificates */
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto out;
		}
	}
	if (sk_X509_num(sk) == 0) {
		r = WGTAP_EFORMAT;
		goto out;
	}
	*out = sk;
	sk = NULL;
	r = WGTAP_OK;
 out:
	ERR_clear_error();
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

int
s3_ca_add(X509_STORE *store, const STACK_OF(X509) *cas)
{
	int i;

	for (i = 0; i < sk_X509_num(cas); i++) {
		/* OpenSSL 1.1.1 and later accept a certificate twice. */
		if (X509_STORE_add_cert(store, sk_X509_value(cas, i)) != 1) {
			ERR_clear_error();
			return WGTAP_ECRYPTO;
		}
	}
	return WGTAP_OK;
}

void
s3_ca_free(STACK_OF(X509) *cas)
{
	sk_X509_pop_free(cas, X509_free);
}
