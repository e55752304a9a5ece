# SPDX-License-Identifier: GPL-2.0
# vxbpf build. Everything generated lands in build/. `make V=1` shows commands.

BUILD   ?= build
CLANG   ?= clang
CC      ?= gcc
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
else
Q = @
endif

# BPF: CO-RE against the checked-in vmlinux.h; system headers only after it.
BPF_CFLAGS := -g -O2 -fno-strict-aliasing -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ivmlinux -idirafter /usr/include \
	-idirafter /usr/include/$(shell $(CC) -dumpmachine)

CFLAGS  ?= -O2 -g
CFLAGS  += -fno-strict-aliasing -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 \
	-D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD)
LDLIBS  := -lbpf -lxdp -lmnl -lmicrohttpd -lsystemd -lpthread -lelf -lz

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_HDRS   := $(wildcard bpf/*.h) include/vxbpf.h
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

USER_SRCS  := $(wildcard user/*.c)
USER_HDRS  := $(wildcard user/*.h) include/vxbpf.h
USER_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS   := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

UNIT_SRCS  := $(wildcard tests/unit/*.c)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
PROG_SRCS  := $(wildcard tests/prog/*.c)
TEST_HDRS  := $(wildcard tests/*.h tests/*/*.h)

.PHONY: all deps demo demo-evpn test test-unit test-prog test-net bench bench-quick bench-evpn bench-app bench-floor \
	vmtest clean format vmlinux install fuzz fuzz-quick fuzz-build FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/vxbpf

deps:
	$(Q)scripts/deps.sh

$(BUILD) $(BUILD)/user $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	@echo "  BPF      $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL     $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)/user
	@echo "  CC       $@"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# --version says which build this is: git describe where there is a
# repository (a tag, or the commit, "-dirty" with changes), else the
# release. Rewritten only when it changes, so nothing else rebuilds.
VERSION ?= $(shell git describe --tags --dirty --always 2>/dev/null || echo 0.1.0)
$(BUILD)/version.h: FORCE | $(BUILD)
	$(Q)echo '#define VXBPF_VERSION "$(VERSION)"' > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/user/main.o $(BUILD)/user/cmd.o $(BUILD)/fuzz/user/cmd.o: $(BUILD)/version.h
FORCE:

$(BUILD)/vxbpf.8: docs/vxbpf.8.md | $(BUILD)
	@echo "  MAN      $@"
	$(Q)go-md2man -in $< -out $@

$(BUILD)/vxbpf: $(USER_OBJS)
	@echo "  LD       $@"
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/unit: $(UNIT_SRCS) $(LIB_OBJS) $(TEST_HDRS) | $(BUILD)/tests
	@echo "  LD       $@"
	$(Q)$(CC) $(CFLAGS) -Itests $(UNIT_SRCS) $(LIB_OBJS) -o $@ $(LDLIBS) -lcriterion

$(BUILD)/tests/prog: $(PROG_SRCS) $(LIB_OBJS) $(SKELS) $(TEST_HDRS) | $(BUILD)/tests
	@echo "  LD       $@"
	$(Q)$(CC) $(CFLAGS) -Itests $(PROG_SRCS) $(LIB_OBJS) -o $@ $(LDLIBS) -lcriterion

# Fuzzing (tests/fuzz): libFuzzer targets over the parsers, with their own
# objects built by clang with AddressSanitizer and UndefinedBehaviorSanitizer.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-strict-aliasing -Wall -Wextra -Werror \
	-Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	-DARENA_CHUNK=4096
FUZZ_OBJS    := $(patsubst $(BUILD)/user/%,$(BUILD)/fuzz/user/%,$(LIB_OBJS))
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

$(BUILD)/fuzz/user:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)/fuzz/user
	@echo "  CC-FUZZ  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libvxbpf.a: $(FUZZ_OBJS)
	@echo "  AR       $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(TEST_HDRS) $(BUILD)/fuzz/libvxbpf.a
	@echo "  LD-FUZZ  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests $< $(BUILD)/fuzz/libvxbpf.a \
		-o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS; then the programs' properties over
# 1,000,000 mutated frames each (100,000 in make test).
fuzz: deps
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-tests.sh fuzz
	$(Q)VXBPF_PROPS_FRAMES=1000000 PROG_FILTER='props/*' scripts/run-tests.sh prog

# 10 s a target, as `make test` runs them.
fuzz-quick: deps
	$(Q)FUZZ_SECONDS=10 scripts/run-tests.sh fuzz

# Each layer installs what it needs, so a fresh machine needs only `make test`.
test: deps
	$(Q)scripts/run-tests.sh all

test-unit: deps $(BUILD)/tests/unit
	$(Q)scripts/run-tests.sh unit

test-prog: deps $(BUILD)/tests/prog
	$(Q)scripts/run-tests.sh prog

test-net: deps $(BUILD)/vxbpf
	$(Q)scripts/run-tests.sh net

demo: deps $(BUILD)/vxbpf
	$(Q)scripts/demo.sh

demo-evpn: deps $(BUILD)/vxbpf
	$(Q)scripts/demo-evpn.sh

bench: deps $(BUILD)/vxbpf $(BUILD)/vxbench $(BUILD)/vxrr
	$(Q)scripts/bench.sh
	$(Q)scripts/bench-evpn.sh
	$(Q)scripts/bench-app.sh

# What a user choosing vxbpf asks, VM to VM: TCP throughput (1 and 8
# flows), receiving CPU time per gigabyte, request/response latency; vxbpf
# against Linux vxlan + bridge, in bench/app.md (also part of `make bench`).
bench-app: deps $(BUILD)/vxbpf $(BUILD)/vxrr
	$(Q)scripts/bench-app.sh

# The control plane at scale: 100,000 EVPN MACs, mirror resync of 100,000
# and 1,000,000 entries (also part of `make bench`).
bench-evpn: deps $(BUILD)/vxbpf $(BUILD)/vxbench
	$(Q)scripts/bench-evpn.sh

bench-quick: deps $(BUILD)/vxbpf $(BUILD)/vxbench
	$(Q)scripts/bench.sh quick

# The floor on this machine (bench/cost.md): the ladder of minimal programs
# (bench/floor.bpf.c) against vxbpf's, and the fdb lookup at 10 and
# 1,000,000 entries, by BPF_PROG_RUN as `vxbench cost`. Not part of
# `make bench`; tables on stdout.
bench-floor: deps $(BUILD)/vxbpf $(BUILD)/vxbench
	$(Q)bench/floor.sh all $(or $(FLOOR_REPS),11)

# Benchmark driver (tools/bench, scripts/bench.sh); not part of vxbpf.
BENCH_SKELS := $(BUILD)/bench_gen.skel.h $(BUILD)/bench_null.skel.h $(BUILD)/bench_sink.skel.h

# The floor ladder (bench/floor.bpf.c, `vxbench floor`): built only into the
# bench tool, with vxbpf's headers and map declarations.
$(BUILD)/floor.bpf.o: bench/floor.bpf.c $(BPF_HDRS) | $(BUILD)
	@echo "  BPF      $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o
BENCH_SKELS += $(BUILD)/floor.skel.h

$(BUILD)/vxbench: tools/bench/vxbench.c $(BENCH_SKELS) | $(BUILD)
	@echo "  LD       $@"
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz

# Request/response latency between two VMs (scripts/bench-app.sh).
$(BUILD)/vxrr: tools/bench/vxrr.c | $(BUILD)
	@echo "  LD       $@"
	$(Q)$(CC) $(CFLAGS) $< -o $@

vmtest: deps
	$(Q)scripts/vmtest.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

format:
	$(Q)clang-format -i bpf/*.c bpf/*.h user/*.c user/*.h include/*.h tests/*/*.c

# The command, its manual, bash completion and the systemd units (their
# ExecStart pointing at SBINDIR). DESTDIR for staging.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
UNITS      := $(wildcard systemd/*.service)

install: deps $(BUILD)/vxbpf $(BUILD)/vxbpf.8
	install -D -m 0755 $(BUILD)/vxbpf $(DESTDIR)$(SBINDIR)/vxbpf
	install -D -m 0644 $(BUILD)/vxbpf.8 $(DESTDIR)$(MANDIR)/man8/vxbpf.8
	install -D -m 0644 scripts/vxbpf.bash-completion $(DESTDIR)$(COMPLDIR)/vxbpf
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done

clean:
	rm -rf $(BUILD)
