# Extension-table fragments, their documentation, and the merged schemas.

EXTRA_DIST += \
	schemas/vpn-nb.ovsschema \
	schemas/vpn-nb.xml \
	schemas/vpn-sb.ovsschema \
	schemas/vpn-sb.xml \
	schemas/vpn-status.ovsschema \
	schemas/vpn-status.xml

# The fragments are installed so that "ovn-vpn-ctl upgrade" can re-merge
# them into a newer OVN's stock schemas after an OVN upgrade.
dist_pkgdata_DATA += schemas/vpn-nb.ovsschema schemas/vpn-sb.ovsschema

# The status database (OVN_VPN_Status), served beside the SB: a schema of
# its own, installed as is.
dist_pkgdata_DATA += schemas/vpn-status.ovsschema

# The merged schemas: stock OVN + VPN tables.
pkgdata_DATA += ovn-vpn-nb.ovsschema ovn-vpn-sb.ovsschema
CLEANFILES += ovn-vpn-nb.ovsschema ovn-vpn-sb.ovsschema

ovn-vpn-nb.ovsschema: $(OVN_SCHEMADIR)/ovn-nb.ovsschema \
		$(srcdir)/schemas/vpn-nb.ovsschema utilities/ovn-vpn-schema-merge
	$(AM_V_GEN)$(PYTHON3) utilities/ovn-vpn-schema-merge \
	    $(OVN_SCHEMADIR)/ovn-nb.ovsschema \
	    $(srcdir)/schemas/vpn-nb.ovsschema -o $@
ovn-vpn-sb.ovsschema: $(OVN_SCHEMADIR)/ovn-sb.ovsschema \
		$(srcdir)/schemas/vpn-sb.ovsschema utilities/ovn-vpn-schema-merge
	$(AM_V_GEN)$(PYTHON3) utilities/ovn-vpn-schema-merge \
	    $(OVN_SCHEMADIR)/ovn-sb.ovsschema \
	    $(srcdir)/schemas/vpn-sb.ovsschema -o $@

# Manual pages for the extension tables, rendered by OVS's ovsdb-doc from
# the fragment (plus stubs of the stock tables it refers to) and its XML.
man_MANS += ovn-vpn-nb.5 ovn-vpn-sb.5 ovn-vpn-status.5
CLEANFILES += ovn-vpn-nb.5 ovn-vpn-sb.5 ovn-vpn-status.5 \
	schemas/vpn-nb-doc.ovsschema schemas/vpn-sb-doc.ovsschema

schemas/vpn-nb-doc.ovsschema: $(srcdir)/schemas/vpn-nb.ovsschema \
		$(OVN_SCHEMADIR)/ovn-nb.ovsschema utilities/ovn-vpn-schema-merge
	$(AM_V_GEN)$(MKDIR_P) schemas && $(PYTHON3) \
	    utilities/ovn-vpn-schema-merge --doc \
	    $(OVN_SCHEMADIR)/ovn-nb.ovsschema \
	    $(srcdir)/schemas/vpn-nb.ovsschema -o $@
schemas/vpn-sb-doc.ovsschema: $(srcdir)/schemas/vpn-sb.ovsschema \
		$(OVN_SCHEMADIR)/ovn-sb.ovsschema utilities/ovn-vpn-schema-merge
	$(AM_V_GEN)$(MKDIR_P) schemas && $(PYTHON3) \
	    utilities/ovn-vpn-schema-merge --doc \
	    $(OVN_SCHEMADIR)/ovn-sb.ovsschema \
	    $(srcdir)/schemas/vpn-sb.ovsschema -o $@

ovn-vpn-nb.5: schemas/vpn-nb-doc.ovsschema $(srcdir)/schemas/vpn-nb.xml
	$(AM_V_GEN)$(OVSDB_DOC) --version=$(VERSION) \
	    schemas/vpn-nb-doc.ovsschema $(srcdir)/schemas/vpn-nb.xml \
	    > $@.tmp && mv $@.tmp $@
ovn-vpn-sb.5: schemas/vpn-sb-doc.ovsschema $(srcdir)/schemas/vpn-sb.xml
	$(AM_V_GEN)$(OVSDB_DOC) --version=$(VERSION) \
	    schemas/vpn-sb-doc.ovsschema $(srcdir)/schemas/vpn-sb.xml \
	    > $@.tmp && mv $@.tmp $@
ovn-vpn-status.5: $(srcdir)/schemas/vpn-status.ovsschema \
		$(srcdir)/schemas/vpn-status.xml
	$(AM_V_GEN)$(OVSDB_DOC) --version=$(VERSION) \
	    $(srcdir)/schemas/vpn-status.ovsschema \
	    $(srcdir)/schemas/vpn-status.xml > $@.tmp && mv $@.tmp $@
