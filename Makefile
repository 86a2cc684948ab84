# SPDX-License-Identifier: Apache-2.0
# dbvip: one GNU Makefile.  `make` builds, `make check` runs unit + lab tests
# (root, network namespaces), `make san` builds with ASan+UBSan into
# build-san/, `make fuzz` runs the decoder fuzzer longer, `make deb` and
# `make rpm` build packages under build/.

VERSION	:= $(shell sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' CHANGELOG.md | head -n 1)
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
CLANG	?= clang
PKGS	:= libnl-route-3.0 libmnl inih libcap libmariadb

WARN	:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wformat=2 -Werror
CFLAGS	?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DDBVIP_VERSION='"$(VERSION)"' $(WARN) \
	   $(shell pkg-config --cflags $(PKGS)) $(CPPFLAGS) $(CFLAGS)
LIBS	:= $(shell pkg-config --libs $(PKGS))

B	?= build
ifeq ($(SAN),1)
B	:= build-san
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDSAN	:= -fsanitize=address,undefined
endif

# Everything but the two programs' main files is a library object, so unit
# tests can link any module.
MAIN_SRC := agent/core/main.c agent/cli/dbvipctl.c agent/cli/dbvipcheck.c
LIB_SRC	:= $(wildcard net/*.c checks/*.c) \
	   $(filter-out $(MAIN_SRC), $(wildcard agent/*/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(B)/dbvipd $(B)/dbvipctl $(B)/dbvip-check

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/dbvipd: $(B)/agent/core/main.o $(LIB_OBJ)
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/dbvip-check: $(B)/agent/cli/dbvipcheck.o $(LIB_OBJ)
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/dbvipctl: $(B)/agent/cli/dbvipctl.o $(LIB_OBJ)
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

units: $(UNIT_BIN)

san:
	$(MAKE) SAN=1 all units

# The decoder fuzzer (libFuzzer, clang).  FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 300
build-fuzz/fuzz_vrrp_pkt: tests/fuzz/fuzz_vrrp_pkt.c net/vrrp_pkt.c net/ipaddr.c
	@mkdir -p $(dir $@)
	$(CLANG) -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $^

fuzz: build-fuzz/fuzz_vrrp_pkt
	mkdir -p build-fuzz/corpus
	build-fuzz/fuzz_vrrp_pkt -max_total_time=$(FUZZ_SECONDS) \
	    build-fuzz/corpus tests/fuzz/seeds

# Everything: unit tests (sanitizer build), a short fuzz run, lab tests.
check:
	tests/run-tests.sh

demo: all
	tests/lab/demo.sh

MAN8	:= packaging/man/dbvipd.8 packaging/man/dbvipctl.8 \
	   packaging/man/dbvip-check.8
MAN5	:= packaging/man/dbvip.conf.5

install: all
	install -D -m 0755 $(B)/dbvipd $(DESTDIR)$(PREFIX)/sbin/dbvipd
	install -D -m 0755 $(B)/dbvipctl $(DESTDIR)$(PREFIX)/bin/dbvipctl
	install -D -m 0755 $(B)/dbvip-check $(DESTDIR)$(PREFIX)/bin/dbvip-check
	install -D -m 0644 etc/dbvip.conf $(DESTDIR)$(PREFIX)/share/doc/dbvip/dbvip.conf.example
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build build-san build-fuzz

# --- packages --------------------------------------------------------------
# Both build from a copy of the sources under build/, so the tree stays
# clean.  Their version is VERSION, the newest release in CHANGELOG.md.
PKG_SRC	:= Makefile CHANGELOG.md README.md LICENSE agent net checks etc packaging/man
REL_DATE := $(shell sed -n 's/^## \[$(VERSION)\] - \([0-9-]*\).*/\1/p' CHANGELOG.md)

# Native Debian package; debian/changelog is written here from VERSION so
# that it cannot disagree with CHANGELOG.md.
DEB_TOP	:= $(B)/deb
DEB_SRC	:= $(DEB_TOP)/dbvip-$(VERSION)
deb:
	@test -n "$(VERSION)" -a -n "$(REL_DATE)" || \
	    { echo "no released version in CHANGELOG.md"; exit 1; }
	rm -rf $(DEB_TOP)
	mkdir -p $(DEB_SRC)
	cp -R --parents $(PKG_SRC) tests/unit $(DEB_SRC)/
	cp -R packaging/debian $(DEB_SRC)/debian
	printf '%s\n' \
	    'dbvip ($(VERSION)) unstable; urgency=medium' '' \
	    '  * Release $(VERSION); see CHANGELOG.md in /usr/share/doc/dbvip.' '' \
	    " -- dbvip maintainers <dbvip@example.org>  $$(LC_ALL=C date -u -R -d '$(REL_DATE) 12:00:00')" \
	    > $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	@ls -1 $(DEB_TOP)/*.deb

# The Debian dpkg database does not know rpm's BuildRequires, hence --nodeps
# (see the spec); the build uses the -dev packages installed with apt.
RPM_TOP	:= $(abspath $(B))/rpm
rpm:
	@test -n "$(VERSION)" -a -n "$(REL_DATE)" || \
	    { echo "no released version in CHANGELOG.md"; exit 1; }
	rm -rf $(RPM_TOP)
	mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/BUILD $(RPM_TOP)/RPMS \
	    $(RPM_TOP)/SRPMS $(RPM_TOP)/BUILDROOT
	tar -czf $(RPM_TOP)/SOURCES/dbvip-$(VERSION).tar.gz \
	    --transform 's,^,dbvip-$(VERSION)/,' $(PKG_SRC)
	rpmbuild -bb --nodeps --define '_topdir $(RPM_TOP)' \
	    --define 'dbvip_version $(VERSION)' \
	    --define "dbvip_date $$(LC_ALL=C date -u -d '$(REL_DATE)' '+%a %b %d %Y')" \
	    packaging/rpm/dbvip.spec
	@find $(RPM_TOP)/RPMS -name '*.rpm'

.PHONY: all units san fuzz check demo install clean deb rpm
# Header dependencies of exactly the objects we build (a find over $(B)
# would also pick up source folders named *.d copied for the packages).
DEPS	:= $(patsubst %.o,%.d,$(LIB_OBJ) $(MAIN_SRC:%.c=$(B)/%.o) \
	   $(UNIT_BIN:$(B)/tests/%=$(B)/tests/unit/%.o))
-include $(DEPS)
