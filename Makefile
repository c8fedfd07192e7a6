# Makefile: builds build/ecship and build/ecship-sim and runs every test layer.
# Targets and outputs are described in README.md; `make check` is the one test command.
# BUILD=dir puts objects elsewhere; SAN=1 builds with AddressSanitizer + UBSan.

BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
SAN        ?=

LIB_PKGS  := libcurl openssl jansson yaml-0.1 libxml-2.0
SIM_PKGS  := libmicrohttpd
TEST_PKGS := cmocka

# A fresh machine: install the missing development packages once, before any flags are read.
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
DEPS_OK := $(shell $(PKG_CONFIG) --exists $(LIB_PKGS) $(SIM_PKGS) $(TEST_PKGS) 2>/dev/null && \
             command -v msgfmt >/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
$(info ecship: some build dependencies are missing; running scripts/install-deps)
DEPS_RC := $(shell scripts/install-deps >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error scripts/install-deps failed; install the packages it named, then run make again)
endif
endif
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS   ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link
endif
else
# Release hardening: FORTIFY_SOURCE (3 where the compiler has __builtin_dynamic_object_size, else
# 2; it needs optimization), stack protector, PIE, full RELRO. tests/build/hardening.sh checks.
HARDEN_FORTIFY := $(shell printf 'int main(void){return (int)__builtin_dynamic_object_size("",0);}' | \
                    $(CC) -x c -O2 -o /dev/null - >/dev/null 2>&1 && echo 3 || echo 2)
HARDEN_CFLAGS  := -fstack-protector-strong -fPIE \
                  $(if $(filter -O1 -O2 -O3 -Os -Ofast,$(CFLAGS)),-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$(HARDEN_FORTIFY))
LDFLAGS  += -pie -Wl,-z,relro,-z,now
endif
CPPFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Ilib \
            -DECSHIP_VERSION='"$(VERSION)"' -DECSHIP_GIT_REV='"$(GIT_REV)"' \
            -DECSHIP_LOCALEDIR='"$(PREFIX)/share/locale"'
LIB_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
LIB_LIBS    := $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) -lm -lpthread
SIM_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(SIM_PKGS) 2>/dev/null)
SIM_LIBS    := $(shell $(PKG_CONFIG) --libs $(SIM_PKGS) 2>/dev/null) -lpthread
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
ALL_CFLAGS   = $(CPPFLAGS) $(WARN) $(LIB_CFLAGS) $(SIM_CFLAGS) $(TEST_CFLAGS) $(CFLAGS) $(HARDEN_CFLAGS) -MMD -MP

LIB_SRCS  := $(sort $(wildcard lib/*/*.c))
TOOL_SRCS := $(sort $(wildcard src/*.c))
SIM_SRCS  := $(sort $(wildcard sim/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TOOLS_SRCS:= $(sort $(wildcard tests/tools/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 30
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(sort $(wildcard tests/unit/*.c)))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
SIM_OBJS  := $(SIM_SRCS:%.c=$(BUILD)/obj/%.o)
SUPPORT_OBJS := $(UNIT_SUPPORT:%.c=$(BUILD)/obj/%.o)
LIBSHIP   := $(BUILD)/libship.a
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BINS := $(TOOLS_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
SIM_BIN   := $(if $(SIM_SRCS),$(BUILD)/ecship-sim)
BENCH_SRCS:= $(sort $(wildcard bench/*.c))
BENCH_BINS:= $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
# Message catalogues (docs/translations.md): po/LANG.po -> $(BUILD)/locale/LANG/LC_MESSAGES/ecship.mo
LINGUAS   := $(basename $(notdir $(wildcard po/*.po)))
MO_FILES  := $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/ecship.mo)

.PHONY: all tests check clean install demo bench fuzz fuzz-bins format lint soak dist pot
.SECONDARY:
Q ?= @
.DEFAULT_GOAL := all

all: $(BUILD)/ecship $(BUILD)/ecship.1 $(BUILD)/ecship.bash $(BUILD)/_ecship $(SIM_BIN) $(MO_FILES)

tests: all $(UNIT_BINS) $(TOOL_BINS) $(FUZZ_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# ECS's defaults (data/ecs-defaults.tsv) are compiled into the library; the generated rows are
# checked in (lint reads them too) and remade here when the table changes.
lib/project/ecs_defaults.inc: data/ecs-defaults.tsv scripts/gen-ecs-defaults
	scripts/gen-ecs-defaults $< $@
$(BUILD)/obj/lib/project/defaults.o: lib/project/ecs_defaults.inc
# botocore's ECS model, the input shapes ecship sends (scripts/gen-ecs-model, checked in).
$(BUILD)/obj/lib/project/model.o: lib/project/ecs_model.inc

$(LIBSHIP): $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/ecship: $(TOOL_OBJS) $(LIBSHIP)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(LIBSHIP) $(LIB_LIBS)

# The man page is generated from the same option tables as --help.
$(BUILD)/ecship.1: $(BUILD)/ecship
	$(BUILD)/ecship help --man >$@.tmp && mv $@.tmp $@

# So are the bash and zsh completions (every command, subcommand, option and option value).
$(BUILD)/ecship.bash: $(BUILD)/ecship
	$(BUILD)/ecship help --completion bash >$@.tmp && mv $@.tmp $@
$(BUILD)/_ecship: $(BUILD)/ecship
	$(BUILD)/ecship help --completion zsh >$@.tmp && mv $@.tmp $@

# -c: the header and the formats (%s, %d ...) of each translation must match their msgid's.
$(BUILD)/locale/%/LC_MESSAGES/ecship.mo: po/%.po
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MSGFMT  $<")
	$(Q)msgfmt -c -o $@ $<

# The template of every translatable message (_() and N_() in lib/ and src/), and each
# catalogue brought in line with it (new messages untranslated, vanished ones marked obsolete).
pot:
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --add-comments=TRANSLATORS \
	    --package-name=ecship --package-version=$(VERSION) --sort-by-file \
	    -o po/ecship.pot $(LIB_SRCS) $(TOOL_SRCS)
	for po in $(wildcard po/*.po); do msgmerge --quiet --update --backup=none $$po po/ecship.pot; done

$(BUILD)/ecship-sim: $(SIM_OBJS) $(LIBSHIP)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(SIM_OBJS) $(LIBSHIP) $(SIM_LIBS) $(LIB_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(LIBSHIP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(LIBSHIP) $(TEST_LIBS) $(SIM_LIBS) $(LIB_LIBS)

# Fuzz targets as plain replayers (tests/fuzz/replay.sh); `make fuzz` builds them for libFuzzer.
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(LIBSHIP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBSHIP) $(LIB_LIBS)

# The simulator's request handling: its objects without main().
SIM_LIB_OBJS := $(filter-out %/sim/main.o,$(SIM_OBJS))
$(BUILD)/fuzz/fuzz_sim: $(BUILD)/obj/tests/fuzz/fuzz_sim.o $(SIM_LIB_OBJS) $(LIBSHIP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SIM_LIB_OBJS) $(LIBSHIP) $(SIM_LIBS) $(LIB_LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBSHIP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBSHIP) $(SIM_LIBS) $(LIB_LIBS)

# Every test layer, plain and under ASan+UBSan; the last line is "N passed, N failed".
NPROC := $(shell nproc 2>/dev/null || echo 2)
check:
	@scripts/install-deps --check --build $(BUILD)
	$(MAKE) -j$(NPROC) tests
	$(MAKE) -j$(NPROC) tests BUILD=build/san SAN=1
	@tests/run --build $(BUILD) --san-build build/san

# The benchmarks (docs/benchmarks.md): loopback servers, bounded load, a few minutes; tables.
bench: all $(BENCH_BINS)
	@bench/run --build $(BUILD)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBSHIP)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBSHIP) $(LIB_LIBS)

# The whole workflow on moto_server + ecship-sim, ending on a summary table.
demo: all
	@scripts/install-deps --demo --build $(BUILD)
	@scripts/demo --build $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(BUILD)/ecship $(DESTDIR)$(PREFIX)/bin/ecship
	install -m 644 $(BUILD)/ecship.1 $(DESTDIR)$(PREFIX)/share/man/man1/ecship.1
	install -m 644 $(BUILD)/ecship.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ecship
	install -m 644 $(BUILD)/_ecship $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ecship
	for l in $(LINGUAS); do \
	  install -d $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES && \
	  install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/ecship.mo \
	    $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/ecship.mo || exit 1; \
	done

# The release build that action.yml installs: ecship-VERSION-linux-ARCH.tar.gz (bin/, share/) and
# its .sha256, built on the oldest supported Ubuntu so it runs on the newer ones too.
DIST := ecship-$(VERSION)-linux-$(shell uname -m)
dist: all
	rm -rf $(BUILD)/dist
	$(MAKE) install DESTDIR=$(CURDIR)/$(BUILD)/dist/$(DIST) PREFIX=
	tar -C $(BUILD)/dist -czf $(BUILD)/$(DIST).tar.gz $(DIST)
	cd $(BUILD) && sha256sum $(DIST).tar.gz >$(DIST).tar.gz.sha256
	@echo "  DIST    $(BUILD)/$(DIST).tar.gz"

# Real fuzzing with libFuzzer (clang): the library and the simulator's objects are compiled with
# coverage instrumentation (FUZZ=1: -fsanitize=fuzzer-no-link, plus ASan and UBSan) in build/fuzz,
# each target links -fsanitize=fuzzer and runs FUZZ_SECONDS from its corpus (tests/fuzz/corpus/
# NAME); scripts/fuzz prints executions and coverage per target, keeps each crash as a regression
# input in the corpus (replayed by `make check`) and, with FUZZ_MERGE=1, merges new coverage into
# the kept corpus.
FUZZ_TARGETS ?= $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_LF_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/libfuzzer/%)
FUZZ_LF_FLAGS = $(CPPFLAGS) $(LIB_CFLAGS) $(SIM_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -DECSHIP_LIBFUZZER
fuzz:
	@command -v clang >/dev/null 2>&1 || scripts/install-deps --fuzz
	$(MAKE) BUILD=build/fuzz CC=clang SAN=1 FUZZ=1 fuzz-bins
	@scripts/fuzz --build build/fuzz --seconds $(FUZZ_SECONDS) $(if $(FUZZ_MERGE),--merge) $(FUZZ_TARGETS)

fuzz-bins: $(FUZZ_LF_BINS)

$(BUILD)/libfuzzer/%: tests/fuzz/%.c $(LIBSHIP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(CC) $(FUZZ_LF_FLAGS) $< $(LIBSHIP) $(LIB_LIBS) -o $@

$(BUILD)/libfuzzer/fuzz_sim: tests/fuzz/fuzz_sim.c $(SIM_LIB_OBJS) $(LIBSHIP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(CC) $(FUZZ_LF_FLAGS) $< $(SIM_LIB_OBJS) $(LIBSHIP) $(SIM_LIBS) $(LIB_LIBS) -o $@

# Static analysis of the library, the tool and the simulator: clang-tidy (.clang-tidy: bugprone-*,
# cert-*) and cppcheck (warning, portability), each skipped with a note when not installed
# (scripts/install-deps --lint installs them). About 40 s on 2 cores; `make check` runs it.
LINT_SRCS   := $(LIB_SRCS) $(TOOL_SRCS) $(SIM_SRCS)
LINT_DEFS   := -DECSHIP_VERSION='"$(VERSION)"' -DECSHIP_GIT_REV='"lint"'
LINT_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Ilib $(LINT_DEFS) \
               $(LIB_CFLAGS) $(SIM_CFLAGS)
JANSSON_H   := $(firstword $(wildcard $(patsubst -I%,%/jansson.h,$(filter -I%,$(LIB_CFLAGS))) /usr/include/jansson.h))
lint:
	@mkdir -p $(BUILD)
	@if command -v clang-tidy >/dev/null 2>&1; then \
	  echo "  TIDY    $(words $(LINT_SRCS)) files"; \
	  printf '%s\n' $(LINT_SRCS) | xargs -P$(NPROC) -n8 sh -c \
	    'clang-tidy -quiet "$$@" -- $(subst ','\'',$(LINT_CFLAGS)) 2>/dev/null' lint >$(BUILD)/lint-tidy.txt; \
	  if grep -E 'warning:|error:' $(BUILD)/lint-tidy.txt; then echo "clang-tidy: problems above" >&2; exit 1; fi; \
	else echo "  TIDY    skipped: clang-tidy is not installed (scripts/install-deps --lint)"; fi
	@if command -v cppcheck >/dev/null 2>&1; then \
	  echo "  CPPCHK  lib src sim"; mkdir -p $(BUILD)/lint-inc; \
	  for h in $(JANSSON_H) $(dir $(JANSSON_H))jansson_config.h; do ln -sf $$h $(BUILD)/lint-inc/; done; \
	  cppcheck -j$(NPROC) -q --std=c11 --enable=warning,portability --inline-suppr --error-exitcode=1 \
	    -Iinclude -Ilib -I$(BUILD)/lint-inc -D_POSIX_C_SOURCE=200809L $(LINT_DEFS) \
	    --suppress=missingIncludeSystem lib src sim; \
	else echo "  CPPCHK  skipped: cppcheck is not installed (scripts/install-deps --lint)"; fi

# The fault soak (docs/reliability.md): SOAK_RUNS deploys on ecship-sim under random faults,
# kills and reruns, invariants checked after each; about 4 s a run. Not part of `make check`
# (tests/cli/soak_short.sh runs 10 of them there).
SOAK_RUNS ?= 300
SOAK_SEED ?= $(shell date +%s)
soak: all
	@scripts/soak --build $(BUILD) --runs $(SOAK_RUNS) --seed $(SOAK_SEED)

format:
	clang-format -i $(LIB_SRCS) $(TOOL_SRCS) $(SIM_SRCS) $(UNIT_SRCS) include/ecship/*.h

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
