// SPDX-License-Identifier: MIT
/*
 * Runs every unit-test suite, one per module, listed here by name as
 * OpenSSH's tests.c does: a suite whose file is missing fails the build
 * instead of dropping out of the run unnoticed.
 */
#include <stdlib.h>

#include "check_wgtap.h"
#include "log.h"

const char *
check_datadir(void)
{
	const char *d = getenv("WGTAP_TESTDATA");

	return d && *d ? d : "data";
}

int
main(void)
{
	Suite *(*const suites[])(void) = {
		/* common/ */
		atomicio_suite,
		log_suite,
		dynbuf_suite,
		pkt_suite,
		csv_suite,
		dnsname_suite,
		spool_suite,
		opt_suite,
		chars_suite,
		wgtap_suite,
		notify_suite,
		metrics_suite,
		lpm_suite,
		lpmcache_suite,
		/* wgtap-capture/ */
		capture_suite,
		attrib_suite,
		options_suite,
		source_suite,
		segment_suite,
		recover_suite,
		report_suite,
		handover_suite,
		peertab_suite,
		wgdump_suite,
		tabdigest_suite,
		uapi_suite,
		wgnl_suite,
		peersrc_suite,
		/* wgtap-ship/ */
		sigv4_suite,
		s3name_suite,
		s3err_suite,
		s3body_suite,
		s3ca_suite,
		s3_suite,
		queue_suite,
		config_suite,
		pace_suite,
		outcome_suite,
		batch_suite,
		daemon_suite,
		ship_suite,
		watch_suite,
		ini_suite,
		imds_suite,
		imdsdoc_suite,
		creds_suite,
		renew_suite,
		preflight_suite,
		shipstat_suite,
	};
	SRunner *sr;
	size_t i;
	int failed;

	/* The modules' own log lines are not what the tests look at. */
	log_set_level(LOG_LVL_ERROR);
	sr = srunner_create(suites[0]());
	for (i = 1; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
