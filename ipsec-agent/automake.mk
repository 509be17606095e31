# ipsec-agent: see the design card in README.md.  libvpnagent.a holds the
# agent's parts (heartbeat, sealing keys, pluto driver, reports), which
# the tests' programs link too; controller-ext/'s libvpnplumb.a is its
# plumbing.

noinst_LIBRARIES += ipsec-agent/libvpnagent.a
ipsec_agent_libvpnagent_a_SOURCES = \
	ipsec-agent/vpn-beat.c \
	ipsec-agent/vpn-charon.c \
	ipsec-agent/vpn-charon.h \
	ipsec-agent/vpn-beat.h \
	ipsec-agent/vpn-keyring.c \
	ipsec-agent/vpn-keyring.h \
	ipsec-agent/vpn-kstats.c \
	ipsec-agent/vpn-kstats.h \
	ipsec-agent/vpn-metrics.c \
	ipsec-agent/vpn-metrics.h \
	ipsec-agent/vpn-pluto.c \
	ipsec-agent/vpn-pluto.h \
	ipsec-agent/vpn-pluto-caps.c \
	ipsec-agent/vpn-pluto-conns.c \
	ipsec-agent/vpn-pluto-poll.c \
	ipsec-agent/vpn-pluto-private.h \
	ipsec-agent/vpn-pluto-cmds.c \
	ipsec-agent/vpn-pluto-process.c \
	ipsec-agent/vpn-pluto-util.c \
	ipsec-agent/vpn-reporter.c \
	ipsec-agent/vpn-reporter.h

AM_CPPFLAGS += -I $(top_srcdir)/ipsec-agent

# ovn-vpn-agent: the per-chassis daemon.
bin_PROGRAMS += ipsec-agent/ovn-vpn-agent
ipsec_agent_ovn_vpn_agent_SOURCES = ipsec-agent/ovn-vpn-agent.c
ipsec_agent_ovn_vpn_agent_LDADD = \
	ipsec-agent/libvpnagent.a $(OVN_VPN_PLUMB_LDADD)

man_MANS += ipsec-agent/ovn-vpn-agent.8
EXTRA_DIST += ipsec-agent/ovn-vpn-agent.8.xml
CLEANFILES += ipsec-agent/ovn-vpn-agent.8
