# docket — terminal approvals and official documents for government work.
#
#   make            build ./docket
#   make run        set up what is missing, create the demo store, open the TUI
#   make test       set up what is missing, build, run every test
#   make test-asan  the whole suite under AddressSanitizer + UBSan
#   make bench      benchmarks (figures with their same-run references)
#   make install    PREFIX=/usr/local (binary, man page, definitions, themes, locale)
#   make deps       install the Debian packages (as root) or print the command

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/docket
MANDIR   ?= $(PREFIX)/share/man
LOCALEDIR_INSTALL ?= $(PREFIX)/share/locale
VERSION  := 0.1.0

CC       ?= cc
PKGS     := sqlite3 yaml-0.1 jansson libgit2 ncursesw libcrypto libpcre2-8 libutf8proc opencc libcurl pangocairo cairo-pdf
TEST_PKGS := cmocka
BUILD    ?= build
SAN      ?=
WERROR   ?=

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CMOCKA_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

# CFLAGS is yours to set (optimisation, debug info); the flags docket
# needs are kept apart so `make CFLAGS=-O0` cannot drop them.
CFLAGS   ?= -O2 -g
BASE_CFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 \
            -Wno-format-nonliteral -D_GNU_SOURCE
ifneq ($(WERROR),)
BASE_CFLAGS += -Werror
endif
SAN_FLAGS :=
ifneq ($(SAN),)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS) $(PKG_CFLAGS) -DDOCKET_VERSION='"$(VERSION)"' \
             -DLOCALEDIR='"$(LOCALEDIR_INSTALL)"' -DDATADIR='"$(DATADIR)"' -MMD -MP

# signin sits above the engine: both front ends prove who acts through it;
# sync (the protocol's encoding, then the client) above it too; print (the
# 审批单 and the GB/T 9704 page as PDF, on cairo and pango) reads the engine.
CORE_DIRS := util yaml store auth defs docs engine signin sync print
# src/schema.c sits above the modules: it lists each one's schema steps for the store.
CORE_SRC  := $(foreach d,$(CORE_DIRS),$(sort $(wildcard src/$(d)/*.c))) src/schema.c
FRONT_SRC := $(sort $(wildcard src/cli/*.c src/tui/*.c))
# docketd, the extranet server: its own main on libmicrohttpd (doc/protocol.md)
SERVER_SRC := $(sort $(wildcard src/server/*.c))
SERVER_OBJ := $(SERVER_SRC:src/%.c=$(BUILD)/obj/%.o)
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell pkg-config --libs libmicrohttpd 2>/dev/null) -lpthread
CORE_OBJ  := $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
FRONT_OBJ := $(FRONT_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libdocket.a

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# ptyrun types answers to prompts on a pseudo-terminal for the CLI tests
# (docket login reads its passphrase from a terminal only). forkpty is in
# libutil before glibc 2.34, in libc since (libutil is then an empty stub).
PTYRUN    := $(BUILD)/tests/ptyrun
# the failing-disk shim of the fault sweep (LD_PRELOAD; tests/faults)
IOFAIL    := $(BUILD)/tests/libiofail.so
# and the out-of-memory shim (SQLite's and libgit2's allocators)
OOMFAIL   := $(BUILD)/tests/liboomfail.so
PTY_LIBS  ?= -lutil
# Fuzz harnesses (tests/fuzz): replayed over their corpora by `make test`
# with any compiler; searched for new inputs by `make fuzz` with clang.
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/fuzz_%)
FUZZ_BIN  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

PO        := $(wildcard po/*.po)
MO        := $(PO:po/%.po=$(BUILD)/locale/%/LC_MESSAGES/docket.mo)

# The binaries sit at the top so `./docket` works from a checkout.
DOCKET    := docket
DOCKETD   := docketd
ifneq ($(SAN),)
DOCKET    := $(BUILD)/docket
DOCKETD   := $(BUILD)/docketd
endif
# tests/tools/eventdump: a store's events as the protocol's push body (tests)
EVENTDUMP := $(BUILD)/tests/eventdump

.PHONY: pot all deps check-deps run server terminal test test-unit test-cli test-tui test-asan bench \
        install clean demo lint-shipped test-corpora fuzz fuzz-bins test-faults soak

all: $(DOCKET) $(DOCKETD) $(MO)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# --- compiled-in default theme (owner: themes/TUI) -------------------------
# themes/default.yaml is built into the core library as a C string (tig
# builds in its tigrc), so docket runs with no files installed.
THEME_GEN := $(BUILD)/gen/theme_default.c
THEME_OBJ := $(BUILD)/obj/gen/theme_default.o
$(THEME_GEN): themes/default.yaml src/defs/embed.sh
	@mkdir -p $(dir $@)
	sh src/defs/embed.sh theme_default_yaml themes/default.yaml > $@.tmp && mv $@.tmp $@
$(THEME_OBJ): $(THEME_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(LIB): $(THEME_OBJ)
# --- end of the default theme block -----------------------------------------

$(DOCKET): $(FRONT_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(FRONT_OBJ) $(LIB) $(PKG_LIBS)

$(BUILD)/obj/server/%.o: src/server/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MHD_CFLAGS) -c $< -o $@

$(DOCKETD): $(SERVER_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(SERVER_OBJ) $(LIB) $(PKG_LIBS) $(MHD_LIBS)

$(EVENTDUMP): tests/tools/eventdump.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

.PHONY: clean-docketd
clean: clean-docketd
clean-docketd:
	rm -f docketd

-include $(SERVER_OBJ:.o=.d) $(EVENTDUMP).d

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Isrc -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(PTYRUN): tests/tools/ptyrun.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PTY_LIBS)

$(IOFAIL): tests/faults/iofail.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

$(OOMFAIL): tests/faults/oomfail.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -fPIC -shared -o $@ $< $(PKG_LIBS)

$(BUILD)/bench/%: tests/bench/%.c tests/bench/common.c tests/bench/bench.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< tests/bench/common.c $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -DFUZZ_REPO='"$(CURDIR)"' -o $@ $< tests/fuzz/replay.c $(LIB) \
		$(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Isrc -DFUZZ_REPO='"$(CURDIR)"' -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/locale/%/LC_MESSAGES/docket.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Dependencies: a stamp records that the check passed, so `make run` and
# `make test` install what is missing once and stay fast afterwards.
$(BUILD)/.deps-ok: .ci/deps .ci/packages
	@mkdir -p $(BUILD)
	sh .ci/deps
	@touch $@

deps:
	sh .ci/deps

check-deps: $(BUILD)/.deps-ok

# Re-run make after the dependency check so pkg-config flags are picked up.
# The benchmarks are built too (not run: make bench), so a change that breaks one is seen here.
test: check-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@$(MAKE) --no-print-directory test-unit test-corpora test-cli test-tui

test-unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

# make test-cli T=t90 runs only the scenarios whose names start so
test-cli: $(DOCKET) $(DOCKETD) $(EVENTDUMP) $(MO) $(PTYRUN) $(IOFAIL) $(BUILD)/bench/bench_sync
	@T="$(T)" DOCKET=$(abspath $(DOCKET)) DOCKETD=$(abspath $(DOCKETD)) EVENTDUMP=$(abspath $(EVENTDUMP)) \
		BUILD=$(abspath $(BUILD)) sh tests/run-cli.sh

test-tui: $(DOCKET) $(MO) $(PTYRUN)
	@DOCKET=$(abspath $(DOCKET)) BUILD=$(abspath $(BUILD)) sh tests/run-tui.sh

# The slow fault sweeps (a failing disk at every write); .ci/run runs them too.
test-faults: check-deps
	@$(MAKE) --no-print-directory all $(PTYRUN) $(IOFAIL) $(OOMFAIL)
	@T="$(T)" DOCKET=$(abspath $(DOCKET)) DOCKETD=$(abspath $(DOCKETD)) BUILD=$(abspath $(BUILD)) \
		sh tests/run-cli.sh faults

# kill -9 at SOAK (1000) random moments; not in CI (doc/testing.md)
soak: check-deps
	@$(MAKE) --no-print-directory all $(PTYRUN)
	@DOCKET=$(abspath $(DOCKET)) BUILD=$(abspath $(BUILD)) PTYRUN=$(abspath $(PTYRUN)) sh tests/soak.sh

test-asan: check-deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 CFLAGS="-O1 -g" all test-unit test-corpora test-cli

# Every fuzz harness over its seed corpus and every input fuzzing found.
test-corpora: $(FUZZ_REPLAY)
	@sh tests/fuzz/replay.sh $(BUILD)/fuzz-replay $(FUZZ_NAMES)

# libFuzzer with ASan and UBSan (clang), FUZZ_SECONDS per harness; see doc/testing.md.
fuzz: check-deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SAN=1 \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh build/fuzz $(FUZZ_NAMES)

fuzz-bins: $(FUZZ_BIN)

bench: check-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@sh tests/bench/run.sh $(BENCH_BIN)

lint-shipped: $(DOCKET)
	./$(DOCKET) lint workflows forms themes

demo: check-deps
	@$(MAKE) --no-print-directory all $(PTYRUN)
	@DOCKET=$(abspath $(DOCKET)) PTYRUN=$(abspath $(PTYRUN)) sh tests/demo-store.sh $(BUILD)/demo-store

run: demo
	DOCKET_LOCALEDIR=$(abspath $(BUILD)/locale) ./$(DOCKET) -C $(BUILD)/demo-store -u wang.fang

# the quick tour of sync (README): a local docketd, then terminals enrolled with it
server: check-deps
	@$(MAKE) --no-print-directory all $(PTYRUN)
	@DOCKET=$(abspath $(DOCKET)) DOCKETD=$(abspath $(DOCKETD)) PTYRUN=$(abspath $(PTYRUN)) \
		sh tests/demo-sync.sh server $(BUILD)

terminal: check-deps
	@$(MAKE) --no-print-directory all $(PTYRUN)
	@DOCKET=$(abspath $(DOCKET)) DOCKETD=$(abspath $(DOCKETD)) PTYRUN=$(abspath $(PTYRUN)) \
		sh tests/demo-sync.sh terminal $(BUILD) $(or $(T),a)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(DOCKET) $(DESTDIR)$(BINDIR)/docket
	install -m 755 $(DOCKETD) $(DESTDIR)$(PREFIX)/sbin/docketd
	install -m 644 doc/docket.1 $(DESTDIR)$(MANDIR)/man1/docket.1
	install -m 644 doc/docketd.8 $(DESTDIR)$(MANDIR)/man8/docketd.8
	cp -R workflows forms themes $(DESTDIR)$(DATADIR)/
	for mo in $(MO); do \
		lang=$$(echo $$mo | sed 's|$(BUILD)/locale/||; s|/LC_MESSAGES/docket.mo||'); \
		install -d $(DESTDIR)$(LOCALEDIR_INSTALL)/$$lang/LC_MESSAGES; \
		install -m 644 $$mo $(DESTDIR)$(LOCALEDIR_INSTALL)/$$lang/LC_MESSAGES/docket.mo; \
	done

# Refresh the message template and merge it into each translation.
pot:
	xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --language=C --add-comments=TRANSLATORS \
		--package-name=docket --package-version=$(VERSION) -o po/docket.pot \
		$(sort $(wildcard src/*/*.c src/*/*.h src/*/*.def))
	for po in $(PO); do msgmerge --quiet --update --no-fuzzy-matching --backup=none $$po po/docket.pot; done

clean:
	rm -rf $(BUILD) docket

-include $(CORE_OBJ:.o=.d) $(FRONT_OBJ:.o=.d) $(UNIT_BIN:=.d) $(BENCH_BIN:=.d) $(PTYRUN).d \
	$(FUZZ_REPLAY:=.d) $(FUZZ_BIN:=.d)
