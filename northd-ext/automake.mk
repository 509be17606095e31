# ovn-vpn-northd: the translator daemon.

bin_PROGRAMS += northd-ext/ovn-vpn-northd
northd_ext_ovn_vpn_northd_SOURCES = \
	northd-ext/ovn-vpn-northd.c \
	northd-ext/vpn-chassis.c \
	northd-ext/vpn-chassis.h \
	northd-ext/vpn-translate.c \
	northd-ext/vpn-translate.h \
	northd-ext/vpn-translate-place.c \
	northd-ext/vpn-translate-private.h \
	northd-ext/vpn-translate-routes.c \
	northd-ext/vpn-translate-rows.c \
	northd-ext/vpn-translate-status.c \
	northd-ext/vpn-translate-vpc.c
northd_ext_ovn_vpn_northd_LDADD = $(OVN_VPN_LDADD)

man_MANS += northd-ext/ovn-vpn-northd.8
EXTRA_DIST += northd-ext/ovn-vpn-northd.8.xml
CLEANFILES += northd-ext/ovn-vpn-northd.8
