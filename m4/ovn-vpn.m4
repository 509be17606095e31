# -*- autoconf -*-

# Copyright (c) 2026 The ovn-vpn authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

dnl OVN_VPN_CHECK_OVS
dnl
dnl Finds the OVS source and build trees, as OVN's OVN_CHECK_OVS does, and
dnl derives from the build what linking against its static library needs.
AC_DEFUN([OVN_VPN_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
              [AS_HELP_STRING([--with-ovs-source=/path/to/ovs/src/dir],
                              [Specify the OVS src directory (see
                               utilities/build-ovs.sh)])])
  AC_ARG_WITH([ovs-build],
              [AS_HELP_STRING([--with-ovs-build=/path/to/ovs/build/dir],
                              [Specify the OVS build directory])])

  AC_MSG_CHECKING([for OVS source directory])
  if test X"$with_ovs_source" = X; then
    AC_MSG_ERROR([--with-ovs-source is required; build the OVS library with
    "utilities/build-ovs.sh" and pass its output:
    ./configure --with-ovs-source=\$(utilities/build-ovs.sh)])
  fi
  OVSDIR=$(cd "$(eval echo "$with_ovs_source")" && pwd)
  if test ! -f "$OVSDIR/vswitchd/bridge.c"; then
    AC_MSG_ERROR([$with_ovs_source is not an OVS source directory])
  fi
  AC_MSG_RESULT([$OVSDIR])
  AC_SUBST([OVSDIR])

  AC_MSG_CHECKING([for OVS build directory])
  if test X"$with_ovs_build" != X; then
    OVSBUILDDIR=$(cd "$(eval echo "$with_ovs_build")" && pwd)
  else
    OVSBUILDDIR=$OVSDIR
  fi
  if test ! -f "$OVSBUILDDIR/config.h"; then
    AC_MSG_ERROR([$OVSBUILDDIR is not a configured OVS build directory])
  fi
  AC_MSG_RESULT([$OVSBUILDDIR])
  AC_SUBST([OVSBUILDDIR])

  OVSVERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' \
               "$OVSBUILDDIR/config.h")
  AC_MSG_CHECKING([OVS version])
  AC_MSG_RESULT([$OVSVERSION])
  AC_SUBST([OVSVERSION])
  AC_DEFINE_UNQUOTED([OVN_VPN_OVS_VERSION], ["$OVSVERSION"],
                     [Version of the OVS library ovn-vpn is built on.])

  AC_MSG_CHECKING([for the OVS static library])
  OVS_LIBOPENVSWITCH=$OVSBUILDDIR/lib/.libs/libopenvswitch.a
  if test ! -f "$OVS_LIBOPENVSWITCH" || \
     test ! -f "$OVSBUILDDIR/lib/libopenvswitch.la"; then
    AC_MSG_ERROR([$OVS_LIBOPENVSWITCH not built (run
    utilities/build-ovs.sh, or "make lib/libopenvswitch.la" there)])
  fi
  AC_MSG_RESULT([$OVS_LIBOPENVSWITCH])
  AC_SUBST([OVS_LIBOPENVSWITCH])

  dnl The libraries that libopenvswitch.a needs, as libtool recorded them.
  AC_MSG_CHECKING([for the OVS library's dependencies])
  dnl Convenience libraries (libopenvswitchavx512.la) become their .a.
  OVS_LIBS=$(sed -n "s/^dependency_libs='\(.*\)'/\1/p" \
             "$OVSBUILDDIR/lib/libopenvswitch.la" \
             | sed 's,\([[^ ]]*\)/\([[^/ ]]*\)\.la\>,\1/.libs/\2.a,g')
  OVS_LIBS="$OVS_LIBS $(sed -n 's/^LIBS = //p' "$OVSBUILDDIR/Makefile")"
  OVS_LIBS="$OVS_LIBS -lpthread -lrt"
  AC_MSG_RESULT([$OVS_LIBS])
  AC_SUBST([OVS_LIBS])

  dnl The warning flags OVS builds itself with.
  OVS_WARNING_FLAGS=$(sed -n 's/^WARNING_FLAGS = //p' "$OVSBUILDDIR/Makefile")
  AC_SUBST([OVS_WARNING_FLAGS])

  dnl OVS's feature macros for its headers, without its package identity.
  $SED -e '/^#define PACKAGE/d' -e '/^#define VERSION /d' \
      "$OVSBUILDDIR/config.h" > ovs-config.h

  AC_MSG_CHECKING([for ovsdb-idlc])
  if test ! -f "$OVSDIR/ovsdb/ovsdb-idlc.in"; then
    AC_MSG_ERROR([$OVSDIR/ovsdb/ovsdb-idlc.in not found])
  fi
  AC_MSG_RESULT([$OVSDIR/ovsdb/ovsdb-idlc.in])
])

dnl OVN_VPN_CHECK_PYTHON3
dnl
dnl The build's Python runs OVS's ovsdb-idlc and ovsdb-doc, which need the
dnl OVS Python package from the OVS source tree; a pyenv shim on PATH may
dnl hide the system interpreter, so prefer /usr/bin/python3.
AC_DEFUN([OVN_VPN_CHECK_PYTHON3], [
  AC_ARG_VAR([PYTHON3], [path to Python 3 (default: /usr/bin/python3)])
  AC_MSG_CHECKING([for Python 3])
  if test X"$PYTHON3" = X; then
    if test -x /usr/bin/python3; then
      PYTHON3=/usr/bin/python3
    else
      PYTHON3=python3
    fi
  fi
  AC_MSG_RESULT([$PYTHON3])
])

dnl OVN_VPN_CHECK_OVN_SCHEMAS
dnl
dnl The stock OVN schemas that the VPN tables are merged into.
AC_DEFUN([OVN_VPN_CHECK_OVN_SCHEMAS], [
  AC_ARG_WITH([ovn-schemas],
              [AS_HELP_STRING([--with-ovn-schemas=DIR],
                              [directory holding the stock
                               ovn-nb.ovsschema and ovn-sb.ovsschema
                               (default: /usr/share/ovn)])],
              [OVN_SCHEMADIR=$withval], [OVN_SCHEMADIR=/usr/share/ovn])
  AC_MSG_CHECKING([for the stock OVN schemas])
  if test ! -f "$OVN_SCHEMADIR/ovn-nb.ovsschema" || \
     test ! -f "$OVN_SCHEMADIR/ovn-sb.ovsschema"; then
    AC_MSG_ERROR([no ovn-nb.ovsschema/ovn-sb.ovsschema in $OVN_SCHEMADIR
    (apt-get install ovn-common)])
  fi
  AC_MSG_RESULT([$OVN_SCHEMADIR])
  AC_SUBST([OVN_SCHEMADIR])
])

dnl OVN_VPN_CHECK_DIRS
dnl
dnl Run and log directories: those of Debian's OVN, so that the default
dnl database sockets are where ovn-ctl puts them.
AC_DEFUN([OVN_VPN_CHECK_DIRS], [
  AC_ARG_VAR([OVN_RUNDIR], [OVN run directory (default: /var/run/ovn)])
  AC_ARG_VAR([OVN_LOGDIR], [OVN log directory (default: /var/log/ovn)])
  AC_ARG_VAR([OVN_DBDIR], [OVN database directory (default:
                           /var/lib/ovn)])
  test X"$OVN_RUNDIR" = X && OVN_RUNDIR=/var/run/ovn
  test X"$OVN_LOGDIR" = X && OVN_LOGDIR=/var/log/ovn
  test X"$OVN_DBDIR" = X && OVN_DBDIR=/var/lib/ovn
  AC_DEFINE_UNQUOTED([OVN_VPN_RUNDIR], ["$OVN_RUNDIR"],
                     [Default OVN run directory.])
  AC_DEFINE_UNQUOTED([OVN_VPN_LOGDIR], ["$OVN_LOGDIR"],
                     [Default OVN log directory.])
  AC_DEFINE_UNQUOTED([OVN_VPN_DBDIR], ["$OVN_DBDIR"],
                     [Default OVN database directory.])
])

dnl OVN_VPN_ENABLE_WERROR
AC_DEFUN([OVN_VPN_ENABLE_WERROR], [
  AC_ARG_ENABLE([Werror],
                [AS_HELP_STRING([--enable-Werror],
                                [Add -Werror to CFLAGS])],
                [], [enable_Werror=no])
  AM_CONDITIONAL([WERROR], [test X"$enable_Werror" = Xyes])
])

dnl OVN_VPN_ENABLE_SANITIZERS
dnl
dnl --enable-sanitizers builds the project (not the OVS library) with
dnl AddressSanitizer and UndefinedBehaviorSanitizer, as CI does.
AC_DEFUN([OVN_VPN_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
                [AS_HELP_STRING([--enable-sanitizers],
                                [build with -fsanitize=address,undefined])],
                [], [enable_sanitizers=no])
  SANITIZER_FLAGS=
  if test X"$enable_sanitizers" = Xyes; then
    SANITIZER_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"
    SANITIZER_FLAGS="$SANITIZER_FLAGS -fno-sanitize-recover=undefined"
  fi
  AC_SUBST([SANITIZER_FLAGS])
])
