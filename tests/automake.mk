# The GNU autotest sandbox suite ("make check") and its helpers.

EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(TESTSUITE) \
	tests/atlocal.in \
	tests/swan-samples \
	tests/vpn-ovsdb.py \
	package.m4

TESTSUITE_AT = \
	tests/testsuite.at \
	tests/ovn-vpn-macros.at \
	tests/schema.at \
	tests/vpn-validate.at \
	tests/vpn-seal.at \
	tests/vpn-catalog.at \
	tests/vpn-swan-status.at \
	tests/vpn-kstats.at \
	tests/vpn-swan-conf.at \
	tests/sandbox.at \
	tests/cluster.at \
	tests/ovn-vpn-northd.at \
	tests/ovn-vpn-agent.at \
	tests/fakexfrm.at \
	tests/ovn-vpn-ctl.at \
	tests/ovn-vpnctl.at \
	tests/vpn-plumb.at \
	tests/vpn-pluto.at \
	tests/monitoring.at

TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal

AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = utilities:northd-ext:controller-ext:ipsec-agent:tests

$(TESTSUITE): $(srcdir)/package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)' -I '$(OVSDIR)' \
	    -o $@.tmp $@.at && mv $@.tmp $@

$(srcdir)/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} >'$@'

# fakexfrm.so answers pluto's kernel XFRM calls in the sandbox tests (this
# kernel has no ESP).  pluto loads it with LD_PRELOAD, so it is built
# without the project's flags (no sanitizers) and links only libc.
check_DATA = tests/fakexfrm.so
CLEANFILES += tests/fakexfrm.so
EXTRA_DIST += tests/fakexfrm.c
tests/fakexfrm.so: tests/fakexfrm.c config.h
	$(AM_V_CC)$(CC) -std=gnu99 -shared -fPIC -O2 -g -Wall -Wextra \
	    -Wno-sign-compare -Wno-unused-parameter -I$(top_builddir) \
	    -o $@ $(srcdir)/tests/fakexfrm.c -ldl -lpthread

check-local: tests/atconfig tests/atlocal $(TESTSUITE) all $(check_PROGRAMS) \
		$(check_DATA)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	    $(TESTSUITEFLAGS)

# "make check-soak [SOAK_RUNS=5] [SOAK_HOGS=1] [TESTSUITEFLAGS=-j2]": the
# suite SOAK_RUNS times in a row with SOAK_HOGS cores kept busy, then which
# tests ever failed (results in tests/soak).
SOAK_RUNS = 5
SOAK_HOGS = 1
.PHONY: check-soak
check-soak: tests/atconfig tests/atlocal $(TESTSUITE) all $(check_PROGRAMS) \
		$(check_DATA)
	$(SHELL) '$(srcdir)/tests/check-soak.sh' '$(abs_top_srcdir)/tests/testsuite' \
	    '$(abs_top_builddir)' '$(AUTOTEST_PATH)' tests/soak \
	    '$(SOAK_RUNS)' '$(SOAK_HOGS)'
EXTRA_DIST += tests/check-soak.sh tests/check-catalog.py
EXTRA_DIST += \
	tests/check-monitoring.py \
	tests/monitoring-alerts-test.yml \
	tests/monitoring-sample.prom

clean-local:
	test ! -f '$(TESTSUITE)' || \
	    $(SHELL) '$(TESTSUITE)' -C tests --clean
	rm -rf tests/soak

# Test programs.
check_PROGRAMS += tests/test-vpn-idl
tests_test_vpn_idl_SOURCES = tests/test-vpn-idl.c
tests_test_vpn_idl_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-validate
tests_test_vpn_validate_SOURCES = tests/test-vpn-validate.c
tests_test_vpn_validate_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-swan-status
tests_test_vpn_swan_status_SOURCES = tests/test-vpn-swan-status.c
tests_test_vpn_swan_status_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-swan-conf
tests_test_vpn_swan_conf_SOURCES = tests/test-vpn-swan-conf.c
tests_test_vpn_swan_conf_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-plumb
tests_test_vpn_plumb_SOURCES = tests/test-vpn-plumb.c
tests_test_vpn_plumb_LDADD = $(OVN_VPN_PLUMB_LDADD)

check_PROGRAMS += tests/test-vpn-catalog
tests_test_vpn_catalog_SOURCES = tests/test-vpn-catalog.c
tests_test_vpn_catalog_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-seal
tests_test_vpn_seal_SOURCES = tests/test-vpn-seal.c
tests_test_vpn_seal_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-collide
tests_test_vpn_collide_SOURCES = tests/test-vpn-collide.c
tests_test_vpn_collide_LDADD = $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-kstats
tests_test_vpn_kstats_SOURCES = tests/test-vpn-kstats.c
tests_test_vpn_kstats_LDADD = ipsec-agent/libvpnagent.a $(OVN_VPN_LDADD)

check_PROGRAMS += tests/test-vpn-pluto
tests_test_vpn_pluto_SOURCES = tests/test-vpn-pluto.c
tests_test_vpn_pluto_LDADD = ipsec-agent/libvpnagent.a $(OVN_VPN_LDADD)

# The status benchmark's simulated chassis (tests/bench-status.sh); built
# with the tests so that it keeps compiling.
check_PROGRAMS += tests/vpn-status-sim
tests_vpn_status_sim_SOURCES = tests/vpn-status-sim.c
tests_vpn_status_sim_LDADD = ipsec-agent/libvpnagent.a $(OVN_VPN_LDADD)
