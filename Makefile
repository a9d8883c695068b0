# GPT-2 text generation and the KV cache, in C++ — one Makefile for every chapter.
# `make help` lists every target a user can type: the `## ` lines beside the targets below.
#
# Three builds of the same sources, each in its own folder under build/:
#   release  -O3 -march=native, Armadillo's run-time checks off   (the chapters)
#   test     -O2 -g, Armadillo's checks on                         (the test runner)
#   debug    -O0 -g, Armadillo's checks on                         (make debug)

.DEFAULT_GOAL := all
SHELL := /bin/bash
# Build on every core unless told otherwise (make -jN still wins).
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
endif
.SUFFIXES:
.DELETE_ON_ERROR:
# Objects made by the pattern rules are kept (not "intermediate"), so rebuilds are incremental.
.SECONDARY:

BUILD    ?= build
CXX      ?= g++
CH       ?=
# Chapters are the numbered folders; their numbers name the executables.
CHAPTER_DIRS := $(sort $(wildcard chapters/[0-9][0-9]_*))
CHAPTER_NUMS := $(foreach d,$(CHAPTER_DIRS),$(firstword $(subst _, ,$(notdir $(d)))))
CHAPTER_BINS := $(addprefix chapter,$(CHAPTER_NUMS))
# The main demo is chapter 05 once it exists; until then the newest chapter.
DEMO_CHAPTER := $(if $(filter 05,$(CHAPTER_NUMS)),05,$(lastword $(CHAPTER_NUMS)))

COMMON_SRCS := $(sort $(wildcard common/*.cpp))
TEST_SRCS   := $(sort $(wildcard tests/*.cpp))

# --- where the libraries are ----------------------------------------------------------------
# Debian 12 (the tested system) keeps every header and library on the default paths. Homebrew
# and other distributions do not: their pkg-config files say where, so the flags come from
# pkg-config for every package it knows (Armadillo's also name the BLAS it was built with),
# and Debian's plain -l flags otherwise. doctest ships no .pc file: a Homebrew prefix
# (HOMEBREW_PREFIX, set by `brew shellenv`) is searched for it and the others.
PKG_CONFIG ?= pkg-config
pkg_known  = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
pkg_cflags = $(if $(call pkg_known,$(1)),$(shell $(PKG_CONFIG) --cflags $(1)))
pkg_libs   = $(if $(call pkg_known,$(1)),$(shell $(PKG_CONFIG) --libs $(1)),$(2))
LIB_CPPFLAGS := $(foreach p,armadillo libpcre2-8 CLI11 nlohmann_json,$(call pkg_cflags,$(p))) \
                $(if $(HOMEBREW_PREFIX),-isystem $(HOMEBREW_PREFIX)/include)
LIB_LDLIBS   := $(if $(HOMEBREW_PREFIX),-L$(HOMEBREW_PREFIX)/lib) \
                $(call pkg_libs,armadillo,-larmadillo) $(call pkg_libs,libpcre2-8,-lpcre2-8)
# Apple's linker rescans archives by itself and knows no --start-group; arm64 compilers spell
# "this CPU" -mcpu=native.
UNAME_S := $(shell uname -s)
UNAME_M := $(shell uname -m)
GROUP_START := $(if $(filter Darwin,$(UNAME_S)),,-Wl,--start-group)
GROUP_END   := $(if $(filter Darwin,$(UNAME_S)),,-Wl,--end-group)
NATIVE_FLAG := $(if $(filter arm64 aarch64,$(UNAME_M)),-mcpu=native,-march=native)

# Includes name where code comes from: "common/errors.hpp", "03_forward_pass/forward.hpp".
CPPFLAGS_ALL := $(strip -I. -Ichapters $(LIB_CPPFLAGS)) -DPROJECT_ROOT='"$(CURDIR)"' -MMD -MP
CXXFLAGS_ALL := -std=c++17 -Wall -Wextra -pthread
LDLIBS_ALL   := $(strip $(LIB_LDLIBS)) -ldl -pthread

RELEASE_FLAGS := -O3 $(NATIVE_FLAG) -DNDEBUG -DARMA_NO_DEBUG
TEST_FLAGS    := -O2 -g
DEBUG_FLAGS   := -O0 -g
SANITIZE_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
EXTRA_FLAGS   ?=
MODES := release test debug sanitize

# --- what each chapter builds on ------------------------------------------------------------
# A chapter's lesson code is every .cpp in its folder except main.cpp. It is compiled once per
# build into $(BUILD)/MODE/libchNN.a; the program chapterNN links its main.o with its own
# library, the libraries of the chapters it builds on, and libcommon.a (the plumbing).
USES_01 :=
USES_02 := 03 01           # step 8 runs chapter 03's model on real text (read it after chapter 03)
USES_03 := 02 01           # attention (02), the tokenizer (01)
USES_04 := 03 02 01        # the forward pass (03)
USES_05 := 04 03 02 01     # sampling and the generation loop (04), the forward pass's pieces (03)
USES_06 := 05 03 02 01     # the KV cache (05) and the model's shapes (03)
USES_07 := 05 04 03 02 01  # the cache and the prefill (05), sampling and the cost counts (04)
USES_08 := 07 05 04 03 02 01  # the batched step and the request queue (07)
USES_09 := 07 06 05 04 03 02 01  # the decode step and its caches (07), DType (06), the prefill and the cache (05), generate (04)

lib_objs     = $(patsubst %.cpp,$(BUILD)/$(2)/%.o,$(filter-out %/main.cpp,$(wildcard chapters/$(1)_*/*.cpp)))
main_obj     = $(patsubst %.cpp,$(BUILD)/$(2)/%.o,$(wildcard chapters/$(1)_*/main.cpp))
chapter_libs = $(foreach n,$(1) $(USES_$(1)),$(BUILD)/$(2)/libch$(n).a) $(BUILD)/$(2)/libcommon.a
all_libs     = $(foreach n,$(CHAPTER_NUMS),$(BUILD)/$(1)/libch$(n).a) $(BUILD)/$(1)/libcommon.a
# Objects, then every library as one group (so their order does not matter), then the system's.
link = $(CXX) $(CXXFLAGS_ALL) $(1) $(EXTRA_FLAGS) $(filter %.o,$^) \
       $(GROUP_START) $(filter %.a,$^) $(GROUP_END) $(LDLIBS_ALL) -o $@

# --- how one source becomes an object, and objects become libraries, in each build ---------
define build_mode
$(BUILD)/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(CPPFLAGS_ALL) $$(CXXFLAGS_ALL) $(2) $$(EXTRA_FLAGS) -c $$< -o $$@

$(BUILD)/$(1)/libcommon.a: $$(patsubst %.cpp,$(BUILD)/$(1)/%.o,$$(COMMON_SRCS))
	@mkdir -p $$(@D)
	@rm -f $$@
	ar rcs $$@ $$^
endef
define chapter_library
$(BUILD)/$(1)/libch$(2).a: $(call lib_objs,$(2),$(1))
	@mkdir -p $$(@D)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(eval $(call build_mode,release,$(RELEASE_FLAGS)))
$(eval $(call build_mode,test,$(TEST_FLAGS)))
$(eval $(call build_mode,debug,$(DEBUG_FLAGS)))
$(eval $(call build_mode,sanitize,$(SANITIZE_FLAGS)))
$(foreach m,$(MODES),$(foreach n,$(CHAPTER_NUMS),$(eval $(call chapter_library,$(m),$(n)))))

# --- chapters: ./chapterNN from its main.o and the libraries above ----------------------------
.SECONDEXPANSION:
## make chapterNN       build ./chapterNN (01 … the last chapter), e.g. make chapter05
# (static pattern rules: each names exactly the chapter executables, so none can catch
# another file that merely looks like one)
$(CHAPTER_BINS): chapter%: $$(call main_obj,$$*,release) $$(call chapter_libs,$$*,release)
	$(call link,$(RELEASE_FLAGS))
$(addprefix $(BUILD)/debug/chapter,$(CHAPTER_NUMS)): $(BUILD)/debug/chapter%: $$(call main_obj,$$*,debug) $$(call chapter_libs,$$*,debug)
	$(call link,$(DEBUG_FLAGS))
$(addprefix $(BUILD)/sanitize/chapter,$(CHAPTER_NUMS)): $(BUILD)/sanitize/chapter%: $$(call main_obj,$$*,sanitize) $$(call chapter_libs,$$*,sanitize)
	$(call link,$(SANITIZE_FLAGS))

# --- the test runner: one doctest main, one suite per chapter, every chapter's library --------
TEST_RUNNER := $(BUILD)/test/run_tests
$(TEST_RUNNER): $(patsubst %.cpp,$(BUILD)/test/%.o,$(TEST_SRCS)) $(call all_libs,test)
	$(call link,$(TEST_FLAGS))

# --- targets a learner types ---------------------------------------------------------------
.PHONY: all debug setup demo test check tests clean help bench bench-batched bench-paged bench-formats bench-tokenizer docs \
        docs-check listings gpt2 gpt2-medium gpt2-large gpt2-xl fixtures exercise sanitize fuzz

## make                 build every chapter (make all)
all: $(CHAPTER_BINS)

## make debug           every chapter with Armadillo's checks on, -O0 -g, in build/debug/
debug: $(addprefix $(BUILD)/debug/chapter,$(CHAPTER_NUMS))
	@echo "debug chapters (Armadillo checks on, -O0 -g) are in $(BUILD)/debug/"

## make setup           install missing Debian packages (elsewhere: print the command), fetch the tokenizer files
setup:
	@bash data/setup/install_packages.sh
	@bash data/setup/fetch_tokenizer.sh

# The demo is for GPT-2 itself: without data/gpt2 it downloads it first (make gpt2's script);
# if the download host cannot be reached it says so in one line and runs on data/mini.
## make demo            set up, build, fetch GPT-2 if missing and reachable, run the main demo (chapter $(DEMO_CHAPTER)) [NO_DOWNLOAD=1]
demo: setup
	@$(MAKE) --no-print-directory chapter$(DEMO_CHAPTER)
	@bash data/setup/demo.sh ./chapter$(DEMO_CHAPTER)

## make tests           build the test runner and every chapter, run nothing
tests: $(TEST_RUNNER) all

# Every suite, then the scripts that drive the executables; the last line is the summary.
## make test            set up if needed, build, run every test; the last line is the summary
test: setup
	@$(MAKE) --no-print-directory tests
	@bash tests/run_all.sh "$(TEST_RUNNER)"

## make check CH=NN     run one chapter's checker (its doctest suite and command-line checks)
check: setup
	@test -n "$(CH)" || { echo "make check: say which chapter, e.g. make check CH=05" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(TEST_RUNNER) chapter$(CH)
	@bash tests/run_all.sh "$(TEST_RUNNER)" "$(CH)"

## make bench-batched   chapter 07: tokens/s at every batch size against the roofline (minutes)
bench-batched: chapter07
	./chapter07 --bench

## make bench-paged     chapter 08: paged vs contiguous cache, block sizes, one budget, sharing (minutes)
bench-paged: chapter08
	./chapter08 --bench

## make bench-formats   chapter 09: decode tokens/s of bf16 weights and 16-bit / int8 caches, with the ceilings
bench-formats: chapter09
	./chapter09 --bench

## make bench-tokenizer chapter 01's tokenizer speed in MB/s
bench-tokenizer: chapter01
	./chapter01 --bench

## make bench           chapter 05: naive vs cached decoding, against the machine's ceiling (minutes)
bench: chapter05
	./chapter05 --bench

## make gpt2            download GPT-2 124M (548 MB; also gpt2-medium, gpt2-large, gpt2-xl), verified
gpt2 gpt2-medium gpt2-large gpt2-xl:
	@bash data/setup/fetch_gpt2.sh $@

## make fixtures        regenerate the tiny test models and the numpy reference values
fixtures:
	@bash tests/tools/make_fixtures.sh

# The book (docs/README.md): docs/site/index.html + one page per chapter; CH=NN builds one.
# STUDENT=1: the student edition, in docs/site-student/, every exercise's code left out.
## make docs [CH=NN]    build the book: docs/site/index.html [STUDENT=1: docs/site-student/, exercises' code left out]
docs:
	@bash docs/build.sh $(if $(STUDENT),--student) $(CH)

## make docs-check      build the book and open every page in headless Chromium [STUDENT=1]
docs-check: docs
	@bash docs/check/check.sh $(if $(STUDENT),docs/site-student)

# Each lesson carries its listings' code under its <!-- listing: NAME --> lines (GitHub shows it).
## make listings        copy each listing's code from the source into the lessons (only what changed)
listings:
	@bash docs/tools/listings.sh

# A copy of the project in build/exercise/NN/ with chapter NN's exercise bodies stubbed.
## make exercise CH=NN  a workspace in build/exercise/NN/ with the chapter's exercises stubbed [EX=name] [FORCE=1]
exercise:
	@test -n "$(CH)" || { echo "make exercise: say which chapter, e.g. make exercise CH=05" >&2; exit 2; }
	@bash docs/tools/exercise.sh $(if $(FORCE),--force) "$(CH)" $(EX)

# AddressSanitizer + UndefinedBehaviorSanitizer: the test runner and every chapter, built in
# $(BUILD)/sanitize/, then the whole doctest suite and the bad-input script under them.
# Any report fails the run (halt_on_error, -fno-sanitize-recover).
# `make sanitize SANITIZE=inputs` (what CI runs): only the code that reads untrusted input —
# CLI, safetensors, config.json, tokenizer, request files, outputs — i.e. the suites common_cli,
# ch01_tokenizer, ch03_loader, common_model_flags, reliability_bad_input, chapter 07's request
# reader, and chapter03 for the bad-input script.
SANITIZE ?= all
SANITIZE_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=8192 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SANITIZE_INPUT_TESTS := $(filter tests/main.cpp tests/test_common_cli.cpp tests/test_ch01_tokenizer.cpp \
                          tests/test_ch03_loader.cpp tests/test_common_model_flags.cpp tests/test_reliability_%.cpp \
                          tests/test_ch07_requests.cpp,$(TEST_SRCS))
$(BUILD)/sanitize/run_tests: $(patsubst %.cpp,$(BUILD)/sanitize/%.o,$(TEST_SRCS)) $(call all_libs,sanitize)
	$(call link,$(SANITIZE_FLAGS))
$(BUILD)/sanitize/run_input_tests: $(patsubst %.cpp,$(BUILD)/sanitize/%.o,$(SANITIZE_INPUT_TESTS)) $(call all_libs,sanitize)
	$(call link,$(SANITIZE_FLAGS))

## make sanitize        every test under AddressSanitizer + UBSan [SANITIZE=inputs: the untrusted-input subset]
ifeq ($(SANITIZE),inputs)
sanitize: setup
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/run_input_tests
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/chapter03
	$(SANITIZE_ENV) $(BUILD)/sanitize/run_input_tests
	$(SANITIZE_ENV) BIN_DIR=$(BUILD)/sanitize bash tests/cli/reliability_bad_input.sh --only chapter03
else
sanitize: setup
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/run_tests
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/sanitize/chapter,$(CHAPTER_NUMS))
	$(SANITIZE_ENV) $(BUILD)/sanitize/run_tests
	$(SANITIZE_ENV) BIN_DIR=$(BUILD)/sanitize bash tests/cli/reliability_bad_input.sh
endif

# libFuzzer (clang): every tests/fuzz/fuzz_*.cpp for FUZZ_SECONDS each; corpus in $(BUILD)/fuzz/.
FUZZ_SECONDS ?= 60
## make fuzz            libFuzzer on the parsers, FUZZ_SECONDS (60) each
fuzz:
	@bash data/setup/install_packages.sh clang libclang-rt-14-dev
	@bash tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS)

## make clean           remove build/ and the chapter programs
clean:
	rm -rf $(BUILD) $(CHAPTER_BINS)

## make help            this list
help:
	@sed -n 's/^## //p' $(firstword $(MAKEFILE_LIST)) | sed 's/$$(DEMO_CHAPTER)/$(DEMO_CHAPTER)/'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
