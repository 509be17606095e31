# ipsec-agent: see the design card in README.md.

noinst_LIBRARIES += ipsec-agent/libvpnpluto.a
ipsec_agent_libvpnpluto_a_SOURCES = \
	ipsec-agent/vpn-beat.c \
	ipsec-agent/vpn-beat.h \
	ipsec-agent/vpn-keyring.c \
	ipsec-agent/vpn-keyring.h \
	ipsec-agent/vpn-pluto.c \
	ipsec-agent/vpn-pluto.h \
	ipsec-agent/vpn-reporter.c \
	ipsec-agent/vpn-reporter.h

AM_CPPFLAGS += -I $(top_srcdir)/ipsec-agent

# ovn-vpn-agent: the per-chassis daemon.
bin_PROGRAMS += ipsec-agent/ovn-vpn-agent
ipsec_agent_ovn_vpn_agent_SOURCES = ipsec-agent/ovn-vpn-agent.c
ipsec_agent_ovn_vpn_agent_LDADD = \
	ipsec-agent/libvpnpluto.a $(OVN_VPN_CHASSIS_LDADD)

man_MANS += ipsec-agent/ovn-vpn-agent.8
EXTRA_DIST += ipsec-agent/ovn-vpn-agent.8.xml
CLEANFILES += ipsec-agent/ovn-vpn-agent.8
ipsec-agent/ovn-vpn-agent.8: ipsec-agent/ovn-vpn-agent.8.xml
	$(AM_V_GEN)$(MKDIR_P) ipsec-agent && \
	$(run_python) $(OVSDIR)/build-aux/xml2nroff \
	    $(srcdir)/ipsec-agent/ovn-vpn-agent.8.xml -I $(srcdir) -I $(OVSDIR) \
	    --version=$(VERSION) RUNDIR='$(OVN_RUNDIR)' \
	    LOGDIR='$(OVN_LOGDIR)' > $@.tmp && mv $@.tmp $@
