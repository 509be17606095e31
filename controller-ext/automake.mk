# controller-ext: the chassis-side plumbing of ovn-vpn-agent (one network
# namespace per VPN gateway, joined to br-int by a veth pair): libvpnplumb.a
# with its header vpn-plumb.h, which the agent in ipsec-agent/ links.
# Programs that use it link $(OVN_VPN_PLUMB_LDADD).

noinst_LIBRARIES += controller-ext/libvpnplumb.a

controller_ext_libvpnplumb_a_SOURCES = \
	controller-ext/vpn-plumb.c \
	controller-ext/vpn-plumb.h \
	controller-ext/vpn-plumb-kernel.c \
	controller-ext/vpn-plumb-ovs.c \
	controller-ext/vpn-plumb-private.h \
	controller-ext/vpn-plumb-state.c \
	controller-ext/vpn-plumb-worker.c

OVN_VPN_PLUMB_LDADD = controller-ext/libvpnplumb.a $(OVN_VPN_LDADD)

# Users include "vpn-plumb.h" as they include lib/'s headers.
AM_CPPFLAGS += -I $(top_srcdir)/controller-ext
