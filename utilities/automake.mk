# Command-line tools and control scripts.

bin_SCRIPTS += \
	utilities/ovn-vpn-schema-merge \
	utilities/ovn-vpn-ctl
CLEANFILES += \
	utilities/ovn-vpn-schema-merge \
	utilities/ovn-vpn-ctl
EXTRA_DIST += \
	utilities/build-ovs.sh \
	utilities/ovn-vpn-schema-merge.in \
	utilities/ovn-vpn-ctl.in \
	utilities/ovn-vpn-sandbox \
	utilities/ovn-vpn-dev

utilities/ovn-vpn-schema-merge: utilities/ovn-vpn-schema-merge.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(do_subst) < $(srcdir)/$@.in > $@.tmp && chmod +x $@.tmp && \
	mv $@.tmp $@
utilities/ovn-vpn-ctl: utilities/ovn-vpn-ctl.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities && \
	$(do_subst) < $(srcdir)/$@.in > $@.tmp && chmod +x $@.tmp && \
	mv $@.tmp $@

bin_PROGRAMS += utilities/ovn-vpnctl
utilities_ovn_vpnctl_SOURCES = \
	utilities/ovn-vpnctl.c \
	utilities/vpnctl-gateway.c \
	utilities/vpnctl-rows.c \
	utilities/vpnctl-tunnel.c \
	utilities/vpnctl.h
utilities_ovn_vpnctl_LDADD = $(OVN_VPN_LDADD)

# Prometheus alerting rules and a Grafana dashboard for ovn-vpn-agent's
# metrics (README.md, "Monitoring"), installed in $(pkgdatadir)/monitoring.
monitoringdir = $(pkgdatadir)/monitoring
dist_monitoring_DATA = \
	utilities/monitoring/ovn-vpn-alerts.yml \
	utilities/monitoring/ovn-vpn-dashboard.json

# Manual pages (the rule for every program's is in Makefile.am).
man_MANS += \
	utilities/ovn-vpnctl.8 \
	utilities/ovn-vpn-ctl.8 \
	utilities/ovn-vpn-schema-merge.8
EXTRA_DIST += \
	utilities/ovn-vpnctl.8.xml \
	utilities/ovn-vpn-ctl.8.xml \
	utilities/ovn-vpn-schema-merge.8.xml
CLEANFILES += \
	utilities/ovn-vpnctl.8 \
	utilities/ovn-vpn-ctl.8 \
	utilities/ovn-vpn-schema-merge.8
