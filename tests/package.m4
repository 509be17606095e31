# Signature of the current package.
m4_define([AT_PACKAGE_NAME],      [ovn-vpn])
m4_define([AT_PACKAGE_TARNAME],   [ovn-vpn])
m4_define([AT_PACKAGE_VERSION],   [0.1.0])
m4_define([AT_PACKAGE_STRING],    [ovn-vpn 0.1.0])
m4_define([AT_PACKAGE_BUGREPORT], [ovn-vpn@localhost])
