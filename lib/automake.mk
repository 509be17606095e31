# Code shared by several programs, and the generated IDLs.

noinst_LIBRARIES += lib/libovnvpn.a

lib_libovnvpn_a_SOURCES = \
	lib/vpn-catalog.c \
	lib/vpn-catalog.h \
	lib/vpn-catalog-row.c \
	lib/vpn-catalog-row.h \
	lib/vpn-dirs.c \
	lib/vpn-dirs.h \
	lib/vpn-exec.c \
	lib/vpn-exec.h \
	lib/vpn-file.c \
	lib/vpn-file.h \
	lib/vpn-idl.c \
	lib/vpn-idl.h \
	lib/vpn-nb.c \
	lib/vpn-nb.h \
	lib/vpn-params.c \
	lib/vpn-params.h \
	lib/vpn-report.c \
	lib/vpn-report.h \
	lib/vpn-seal.c \
	lib/vpn-seal.h \
	lib/vpn-swan-conf.c \
	lib/vpn-swan-conf.h \
	lib/vpn-swan-status.c \
	lib/vpn-swan-status.h \
	lib/vpn-validate.c \
	lib/vpn-validate.h

nodist_lib_libovnvpn_a_SOURCES = \
	lib/ovn-vpn-nb-idl.c \
	lib/ovn-vpn-nb-idl.h \
	lib/ovn-vpn-sb-idl.c \
	lib/ovn-vpn-sb-idl.h \
	lib/ovn-vpn-status-idl.c \
	lib/ovn-vpn-status-idl.h

OVN_VPN_IDL_BUILT = \
	lib/ovn-vpn-nb-idl.c \
	lib/ovn-vpn-nb-idl.h \
	lib/ovn-vpn-nb-idl.ovsidl \
	lib/ovn-vpn-sb-idl.c \
	lib/ovn-vpn-sb-idl.h \
	lib/ovn-vpn-sb-idl.ovsidl \
	lib/ovn-vpn-status-idl.c \
	lib/ovn-vpn-status-idl.h \
	lib/ovn-vpn-status-idl.ovsidl
BUILT_SOURCES += $(OVN_VPN_IDL_BUILT)
CLEANFILES += $(OVN_VPN_IDL_BUILT)
EXTRA_DIST += lib/ovn-vpn-nb-idl.ann lib/ovn-vpn-sb-idl.ann \
	lib/ovn-vpn-status-idl.ann

# The IDLs are generated from the merged schemas, as OVN generates its own
# from ovn-nb.ovsschema and ovn-sb.ovsschema.
lib/ovn-vpn-nb-idl.ovsidl: ovn-vpn-nb.ovsschema lib/ovn-vpn-nb-idl.ann
	$(AM_V_GEN)$(MKDIR_P) lib && $(OVSDB_IDLC) annotate \
	    ovn-vpn-nb.ovsschema $(srcdir)/lib/ovn-vpn-nb-idl.ann > $@.tmp && \
	mv $@.tmp $@
lib/ovn-vpn-sb-idl.ovsidl: ovn-vpn-sb.ovsschema lib/ovn-vpn-sb-idl.ann
	$(AM_V_GEN)$(MKDIR_P) lib && $(OVSDB_IDLC) annotate \
	    ovn-vpn-sb.ovsschema $(srcdir)/lib/ovn-vpn-sb-idl.ann > $@.tmp && \
	mv $@.tmp $@
# The status database is ours alone: its IDL comes from its schema as is.
lib/ovn-vpn-status-idl.ovsidl: $(srcdir)/schemas/vpn-status.ovsschema \
		lib/ovn-vpn-status-idl.ann
	$(AM_V_GEN)$(MKDIR_P) lib && $(OVSDB_IDLC) annotate \
	    $(srcdir)/schemas/vpn-status.ovsschema \
	    $(srcdir)/lib/ovn-vpn-status-idl.ann > $@.tmp && mv $@.tmp $@
