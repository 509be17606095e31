# The system suite ("make check-system") and benchmark ("make
# bench-system"): the real kernel's openvswitch datapath and ESP, in a
# Debian 12 qemu guest that utilities/ovn-vpn-guest builds once (cached in
# ~/.cache/ovn-vpn, keyed by a hash of its recipe) and boots with the build
# tree shared in.  Needs root.  See README.md, "Two test levels".

SYSTEM_TESTSUITE_AT = \
	tests/system-testsuite.at \
	tests/system-macros.at \
	tests/system-vpn.at \
	tests/system-strongswan.at \
	tests/system-ha.at \
	tests/system-bench.at \
	tests/system-packages.at

SYSTEM_TESTSUITE = $(srcdir)/tests/system-testsuite

EXTRA_DIST += \
	$(SYSTEM_TESTSUITE_AT) \
	$(SYSTEM_TESTSUITE) \
	tests/bench-system.sh \
	tests/build-debs.sh \
	utilities/ovn-vpn-guest

# The system suite includes the sandbox macros.
$(SYSTEM_TESTSUITE): $(srcdir)/package.m4 $(SYSTEM_TESTSUITE_AT) \
		$(srcdir)/tests/ovn-vpn-macros.at
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)' -I '$(OVSDIR)' \
	    -o $@.tmp $@.at && mv $@.tmp $@

# The guest's results: tests/system-results/ (console.log, the suite's log
# and the directories of failed tests); the log is also copied next to the
# sandbox suite's.  The exit status is the suite's.
SYSTEM_RESULTS = tests/system-results
.PHONY: check-system
check-system: all tests/atconfig tests/atlocal $(SYSTEM_TESTSUITE)
	@rc=0; rm -f tests/system-testsuite.log; \
	$(SHELL) '$(srcdir)/utilities/ovn-vpn-guest' check '$(abs_builddir)' \
	    '$(abs_builddir)/$(SYSTEM_RESULTS)' $(TESTSUITEFLAGS) || rc=$$?; \
	if test -f '$(SYSTEM_RESULTS)/system-testsuite.log'; then \
	    cp '$(SYSTEM_RESULTS)/system-testsuite.log' tests/; \
	    echo "check-system: log in tests/system-testsuite.log," \
	         "failed tests in $(SYSTEM_RESULTS)/system-testsuite.dir"; \
	fi; \
	if test -f '$(SYSTEM_RESULTS)/systemd/system-testsuite.log'; then \
	    cp '$(SYSTEM_RESULTS)/systemd/system-testsuite.log' \
	        tests/system-systemd.log; \
	    echo "check-system: the systemd guest's log in" \
	         "tests/system-systemd.log, failed tests in" \
	         "$(SYSTEM_RESULTS)/systemd/system-testsuite.dir"; \
	fi; \
	exit $$rc

.PHONY: bench-system
bench-system: all tests/atconfig tests/atlocal $(SYSTEM_TESTSUITE)
	$(SHELL) '$(srcdir)/tests/bench-system.sh' '$(abs_builddir)' \
	    $(BENCH_ARGS)

# "make debs": the Debian packages, built from this tree's distribution
# tarball as a user builds them (tests/build-debs.sh), in tests/debs, with
# Debian's ovn-central and ovn-common beside them in tests/debs/ovn.  The
# packaging test (keyword "systemd") installs them; "make check-system"
# makes them when it runs that test.
DEBS_DIR = tests/debs
.PHONY: debs
debs:
	$(MAKE) $(AM_MAKEFLAGS) dist-gzip
	rc=0; $(SHELL) '$(srcdir)/tests/build-debs.sh' '$(distdir).tar.gz' \
	    '$(DEBS_DIR)' || rc=$$?; \
	rm -f '$(distdir).tar.gz'; exit $$rc

CLEANFILES += tests/system-testsuite.log tests/system-systemd.log
clean-local: clean-system
.PHONY: clean-system
clean-system:
	rm -rf $(SYSTEM_RESULTS) tests/bench-system $(DEBS_DIR)
	test ! -f '$(SYSTEM_TESTSUITE)' || \
	    $(SHELL) '$(SYSTEM_TESTSUITE)' -C tests --clean
