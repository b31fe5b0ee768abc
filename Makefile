# SPDX-License-Identifier: MIT
# wgtap: one flat Makefile.
#
#   make                 build wgtap-capture/wgtap-capture and wgtap-ship/wgtap-ship
#   make check           unit tests (Check) and the integration tests
#   make check SAN=1     the same, built with ASan+UBSan (objects in build-san/)
#   make check-all       what CI runs: check, check SAN=1, fuzz smoke, valgrind, torture
#   make fuzz            libFuzzer targets (clang), a short run of each
#   make valgrind        unit tests and one end-to-end run under valgrind
#   make torture         the end-to-end fault test (root, real tunnel, real S3)
#   make powercut        power cuts of a gateway in QEMU (root; part of check)
#   make bench           the benchmarks recorded in BENCHMARKS.md
#   make install         honours PREFIX and DESTDIR

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
PKG_CONFIG ?= pkg-config

CC ?= cc
CFLAGS ?= -O2 -g
WFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -MMD -MP
SAN ?=

ifeq ($(SAN),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
CAPTURE_BIN := $(B)/bin/wgtap-capture
SHIP_BIN := $(B)/bin/wgtap-ship
else
B := build
SANFLAGS :=
CAPTURE_BIN := wgtap-capture/wgtap-capture
SHIP_BIN := wgtap-ship/wgtap-ship
endif

CAPTURE_PKGS := libpcap zlib
SHIP_PKGS := libcurl openssl zlib
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CAPTURE_PKGS) $(SHIP_PKGS) 2>/dev/null)
CAPTURE_LIBS := $(shell $(PKG_CONFIG) --libs $(CAPTURE_PKGS) 2>/dev/null)
SHIP_LIBS := $(shell $(PKG_CONFIG) --libs $(SHIP_PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ALL_CFLAGS := $(WFLAGS) $(CFLAGS) $(SANFLAGS) -Icommon -Iwgtap-capture \
	-Iwgtap-ship $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

COMMON_SRC := $(sort $(wildcard common/*.c))
CAPTURE_SRC := $(sort $(filter-out wgtap-capture/main.c,$(wildcard wgtap-capture/*.c)))
SHIP_SRC := $(sort $(filter-out wgtap-ship/main.c,$(wildcard wgtap-ship/*.c)))
TEST_SRC := $(sort $(wildcard tests/check_*.c))

COMMON_OBJ := $(patsubst %.c,$(B)/%.o,$(COMMON_SRC))
CAPTURE_OBJ := $(patsubst %.c,$(B)/%.o,$(CAPTURE_SRC))
SHIP_OBJ := $(patsubst %.c,$(B)/%.o,$(SHIP_SRC))
LIB_OBJ := $(COMMON_OBJ) $(CAPTURE_OBJ) $(SHIP_OBJ)
TEST_OBJ := $(patsubst %.c,$(B)/%.o,$(TEST_SRC))
COMMON_LIB := $(B)/libcommon.a
CAPTURE_LIB := $(B)/libcapture.a
SHIP_LIB := $(B)/libship.a
CHECK_BIN := $(B)/tests/check_wgtap
CREDSPROBE := $(B)/tests/credsprobe
PEERPROBE := $(B)/tests/peerprobe

PROGRAMS := $(CAPTURE_BIN) $(if $(wildcard wgtap-ship/main.c),$(SHIP_BIN))
# LD_PRELOAD shims that stand in for a libc call in the integration tests
# (tests/shims/NAME.c -> $(B)/tests/NAME.so), built without the sanitizers.
SHIMS := $(patsubst tests/shims/%.c,$(B)/tests/%.so,\
	$(sort $(wildcard tests/shims/*.c)))

all: $(PROGRAMS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/tests/%.so: tests/shims/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WFLAGS) $(CFLAGS) -fPIC -shared -o $@ $<

$(COMMON_LIB): $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(CAPTURE_LIB): $(CAPTURE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHIP_LIB): $(SHIP_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(CAPTURE_BIN): $(B)/wgtap-capture/main.o $(CAPTURE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPTURE_LIBS) $(LDLIBS)

$(SHIP_BIN): $(B)/wgtap-ship/main.o $(SHIP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SHIP_LIBS) $(LDLIBS)

$(CHECK_BIN): $(TEST_OBJ) $(CAPTURE_LIB) $(SHIP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(CAPTURE_LIBS) \
		$(SHIP_LIBS) $(LDLIBS)

# A driver of the credential chain (wgtap-ship/creds.c) for the tests.
$(CREDSPROBE): $(B)/tests/tools/credsprobe.o $(SHIP_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SHIP_LIBS) $(LDLIBS)

# A reader of a WireGuard interface's peer table (wgtap-capture/peersrc.c).
$(PEERPROBE): $(B)/tests/tools/peerprobe.o $(CAPTURE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPTURE_LIBS) $(LDLIBS)

# Environment every test script gets: where the binaries and the shims
# are, and whether this is a sanitizer build.
TEST_ENV := WGTAP_CAPTURE=$(abspath $(CAPTURE_BIN)) \
	WGTAP_SHIP=$(abspath $(SHIP_BIN)) WGTAP_TOP=$(CURDIR) \
	WGTAP_CREDSPROBE=$(abspath $(CREDSPROBE)) \
	WGTAP_PEERPROBE=$(abspath $(PEERPROBE)) \
	WGTAP_TOOLS=$(abspath $(B)/tests) \
	WGTAP_SAN=$(SAN) ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check: all $(CHECK_BIN) $(CREDSPROBE) $(PEERPROBE) $(SHIMS)
	cd tests && env $(TEST_ENV) WGTAP_TESTDATA=$(CURDIR)/tests/data \
		$(abspath $(CHECK_BIN))
	env $(TEST_ENV) tests/run-integration

check-all:
	$(MAKE) check
	$(MAKE) check SAN=1
	$(MAKE) fuzz FUZZ_SECONDS=10
	$(MAKE) valgrind
	$(if $(wildcard tests/torture.sh),$(MAKE) torture SAN=1)

# The end-to-end fault test (root; a real tunnel and a real S3 server);
# CI runs it on the sanitizer build. See RELIABILITY.md.
torture: all
	env $(TEST_ENV) tests/torture.sh

# Power cuts of a WireGuard gateway in a virtual machine (root; QEMU with
# software emulation; the image is cached in build/qemu). `make check` runs
# it too, as tests/t-powercut.sh. See RELIABILITY.md.
powercut: all
	env $(TEST_ENV) tests/t-powercut.sh

.PHONY: all check check-all fuzz valgrind torture powercut bench install \
	uninstall clean

clean:
	rm -rf build build-san build-fuzz wgtap-capture/wgtap-capture \
		wgtap-ship/wgtap-ship

# scripts/install does the work: binaries, man pages, systemd units (with
# BINDIR filled in), sysusers.d/tmpfiles.d snippets, env templates, users
# and spool; see scripts/install --help for UNITDIR, SYSCONFDIR, SPOOLDIR.
INSTALL_VARS := DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BINDIR='$(BINDIR)' \
	MANDIR='$(MANDIR)'

install: all
	$(INSTALL_VARS) WGTAP_CAPTURE='$(CAPTURE_BIN)' WGTAP_SHIP='$(SHIP_BIN)' \
		scripts/install

uninstall:
	$(INSTALL_VARS) scripts/uninstall

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(B)/wgtap-capture/main.d \
	$(B)/wgtap-ship/main.d $(B)/tests/tools/credsprobe.d \
	$(B)/tests/tools/peerprobe.d

# --- fuzzing (libFuzzer, clang) ----------------------------------------------
# One harness per parser of outside bytes, in tests/fuzz/, with a small
# committed seed corpus each. `make fuzz` runs each for FUZZ_SECONDS on a
# copy of its corpus; FUZZ_SECONDS=600 for a long run.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Icommon -Iwgtap-capture -Iwgtap-ship $(PKG_CFLAGS)
FUZZ_TARGETS := pkt names recover s3err ini imdsjson dnsname wgdump uapi wgnl
FUZZ_LIB_SRC := $(COMMON_SRC) $(CAPTURE_SRC) $(SHIP_SRC)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRC)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(CAPTURE_LIBS) $(SHIP_LIBS)

fuzz: $(patsubst %,build-fuzz/fuzz_%,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		rm -rf build-fuzz/corpus-$$t && mkdir -p build-fuzz/corpus-$$t && \
		cp tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/ && \
		echo "fuzz $$t: $(FUZZ_SECONDS) s" && \
		ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/fuzz_$$t \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-max_len=4096 -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix=build-fuzz/crash-$$t- \
			build-fuzz/corpus-$$t 2>build-fuzz/fuzz-$$t.log || \
			{ tail -40 build-fuzz/fuzz-$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' \
			build-fuzz/fuzz-$$t.log | tail -3; \
	done

# --- valgrind -------------------------------------------------------------------
# The unit tests (in one process: CK_FORK=no) and one end-to-end run of
# both programs under memcheck: zero errors, nothing definitely lost.
VALGRIND := valgrind --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --quiet

valgrind: all $(CHECK_BIN)
	cd tests && CK_FORK=no WGTAP_TESTDATA=$(CURDIR)/tests/data \
		$(VALGRIND) $(abspath $(CHECK_BIN))
	env $(TEST_ENV) WGTAP_VALGRIND="$(VALGRIND)" tests/valgrind-e2e.sh

# --- benchmarks (BENCHMARKS.md) ---------------------------------------------------
# bench/lpm.c: peer lookups and rows per second with attribution on and off.
LPM_BENCH := $(B)/bench/lpm

$(LPM_BENCH): $(B)/bench/lpm.o $(CAPTURE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPTURE_LIBS) $(LDLIBS)

bench: all $(LPM_BENCH) $(PEERPROBE)
	WGTAP_LPM_BENCH=$(abspath $(LPM_BENCH)) \
		WGTAP_PEERPROBE=$(abspath $(PEERPROBE)) bench/run.sh all
