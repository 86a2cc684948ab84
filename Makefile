# dbvip: one GNU Makefile.  `make` builds, `make check` runs unit + lab tests
# (root, network namespaces), `make san` builds with ASan+UBSan into
# build-san/, `make fuzz` runs the decoder fuzzer longer.

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
	   $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
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
LIB_SRC	:= $(wildcard net/*.c checks/*.c) \
	   $(filter-out agent/main.c agent/dbvipctl.c, $(wildcard agent/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(B)/dbvipd $(B)/dbvipctl

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/dbvipd: $(B)/agent/main.o $(LIB_OBJ)
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/dbvipctl: $(B)/agent/dbvipctl.o $(LIB_OBJ)
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

install: all
	install -D -m 0755 $(B)/dbvipd $(DESTDIR)$(PREFIX)/sbin/dbvipd
	install -D -m 0755 $(B)/dbvipctl $(DESTDIR)$(PREFIX)/bin/dbvipctl
	install -D -m 0644 etc/dbvip.conf $(DESTDIR)$(PREFIX)/share/doc/dbvip/dbvip.conf.example

clean:
	rm -rf build build-san build-fuzz

.PHONY: all units san fuzz check demo install clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
