// SPDX-License-Identifier: MIT
/*
 * Runs every unit-test suite linked into the binary. Suites are weak
 * references, so a module's tests join the run by existing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_wgtap.h"
#include "log.h"

#pragma weak log_suite
#pragma weak dynbuf_suite
#pragma weak pkt_suite
#pragma weak csv_suite
#pragma weak spool_suite
#pragma weak segment_suite
#pragma weak recover_suite
#pragma weak opt_suite
#pragma weak sigv4_suite
#pragma weak s3_suite
#pragma weak queue_suite
#pragma weak ini_suite
#pragma weak imds_suite
#pragma weak creds_suite

const char *
check_datadir(void)
{
	const char *d = getenv("WGTAP_TESTDATA");

	return d && *d ? d : "data";
}

int
main(void)
{
	Suite *(*suites[])(void) = {
		log_suite, dynbuf_suite, pkt_suite, csv_suite, spool_suite, segment_suite,
		recover_suite, opt_suite, sigv4_suite, s3_suite, queue_suite,
		ini_suite, imds_suite, creds_suite,
	};
	SRunner *sr = NULL;
	size_t i;
	int failed;

	/* The modules' own log lines are not what the tests look at. */
	log_set_level(LOG_LVL_ERROR);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (!suites[i])
			continue;
		if (!sr)
			sr = srunner_create(suites[i]());
		else
			srunner_add_suite(sr, suites[i]());
	}
	if (!sr) {
		fprintf(stderr, "check_wgtap: no suites linked in\n");
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
