# "make fuzz": libFuzzer harnesses (tests/fuzz/*.c) built with clang, with
# AddressSanitizer and UndefinedBehaviorSanitizer, over the shared modules
# that read what tenants and pluto write.  FUZZ_SECONDS (default 600) is
# how long each harness runs; the corpora grow in tests/fuzz/corpus/.
# Needs clang and libclang-rt (Debian: clang, libclang-rt-14-dev).  See
# README.md, "Fuzzing".

FUZZ_HARNESSES = fuzz-validate fuzz-swan-conf fuzz-swan-status fuzz-seal
FUZZ_SECONDS = 600
FUZZ_CC = clang
FUZZ_COMPILE = $(FUZZ_CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) \
	$(CPPFLAGS) $(FUZZ_CFLAGS) -I$(srcdir)/tests/fuzz
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_FILES = \
	lib/vpn-catalog.c \
	lib/vpn-params.c \
	lib/vpn-seal.c \
	lib/vpn-swan-conf.c \
	lib/vpn-swan-status.c \
	lib/vpn-validate.c

EXTRA_DIST += \
	tests/fuzz/fuzz-params.h \
	tests/fuzz/fuzz-validate.c \
	tests/fuzz/fuzz-swan-conf.c \
	tests/fuzz/fuzz-swan-status.c \
	tests/fuzz/fuzz-seal.c \
	tests/fuzz/run-fuzz.sh \
	tests/fuzz/seeds/params/ikev2-defaults \
	tests/fuzz/seeds/params/ikev1-aggressive-ids \
	tests/fuzz/seeds/params/ah-no-pfs \
	tests/fuzz/seeds/seal/box

.PHONY: fuzz fuzz-build
fuzz-build: lib/libovnvpn.a
	@mkdir -p tests/fuzz/bin
	for h in $(FUZZ_HARNESSES); do \
	    $(FUZZ_COMPILE) -fsanitize=fuzzer \
	        -o tests/fuzz/bin/$$h $(srcdir)/tests/fuzz/$$h.c \
	        $(addprefix $(srcdir)/,$(FUZZ_LIB_FILES)) \
	        $(OVS_LIBOPENVSWITCH) $(OVS_LIBS) || exit 1; \
	done
	$(FUZZ_COMPILE) -DFUZZ_RENDER \
	    -o tests/fuzz/bin/fuzz-swan-conf-render \
	    $(srcdir)/tests/fuzz/fuzz-swan-conf.c \
	    $(addprefix $(srcdir)/,$(FUZZ_LIB_FILES)) \
	    $(OVS_LIBOPENVSWITCH) $(OVS_LIBS)

fuzz: fuzz-build
	$(SHELL) $(srcdir)/tests/fuzz/run-fuzz.sh '$(srcdir)' tests/fuzz \
	    '$(FUZZ_SECONDS)' $(FUZZ_HARNESSES)

clean-local: clean-fuzz
.PHONY: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/bin tests/fuzz/corpus tests/fuzz/results
