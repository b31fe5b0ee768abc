/* SPDX-License-Identifier: MIT */
/*
 * The extra trusted certificates of --ca-file: read once from a PEM file,
 * then added to the trust store of each TLS connection, on top of the
 * system store. Nothing here prints or turns verification off.
 */
#ifndef WGTAP_S3CA_H
#define WGTAP_S3CA_H

#include <openssl/x509.h>

/*
 * Read every certificate of the PEM file path into *out (free it with
 * s3_ca_free()). Returns WGTAP_OK; WGTAP_ESYS (errno set) when the file
 * cannot be opened; WGTAP_EFORMAT when it holds no certificate; or
 * WGTAP_ENOMEM. *out is NULL on failure.
 */
int s3_ca_load(const char *path, STACK_OF(X509) **out);

/*
 * Add every certificate of cas to store; one that is there already is
 * fine. Returns WGTAP_OK or WGTAP_ECRYPTO.
 */
int s3_ca_add(X509_STORE *store, const STACK_OF(X509) *cas);

/* Free what s3_ca_load() returned; NULL is fine. */
void s3_ca_free(STACK_OF(X509) *cas);

#endif
