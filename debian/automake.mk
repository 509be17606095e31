# The Debian packaging (dpkg-buildpackage -us -uc -b), distributed so that
# the packages build from the tarball too.  See README.md, "Deploying".

EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/default/ovn-vpn-agent \
	debian/default/ovn-vpn-northd \
	debian/ovn-vpn-central.install \
	debian/ovn-vpn-central.lintian-overrides \
	debian/ovn-vpn-central.ovn-vpn-northd.service \
	debian/ovn-vpn-central.ovn-vpn-status-db.service \
	debian/ovn-vpn-central.postinst \
	debian/ovn-vpn-central.postrm \
	debian/ovn-vpn-central.triggers \
	debian/ovn-vpn-common.docs \
	debian/ovn-vpn-common.install \
	debian/ovn-vpn-host.install \
	debian/ovn-vpn-host.lintian-overrides \
	debian/ovn-vpn-host.ovn-vpn-agent.service \
	debian/ovn-vpn-host.postrm \
	debian/ovn-vpn-host.prerm \
	debian/ovsdb-server-nb.conf \
	debian/ovsdb-server-sb.conf \
	debian/rules \
	debian/source/format
