# GPT-2 text generation and the KV cache, in C++ — one Makefile for every chapter.
#
#   make demo          set up if needed, build, run the main demo (chapter 05)
#   make test          set up if needed, build, run every test
#   make chapter05     build ./chapter05 (any NN works: one pattern rule builds them all)
#   make check CH=05   run one chapter's checker (its doctest suite)
#   make help          every target, one line each
#
# Three builds of the same sources, each in its own folder under build/:
#   release  -O3 -march=native, Armadillo's run-time checks off   (the chapters)
#   test     -O2 -g, Armadillo's checks on                         (the test runner)
#   debug    -O0 -g, Armadillo's checks on                         (make debug)

.DEFAULT_GOAL := all
SHELL := /bin/bash
# Build on every core unless told otherwise (make -jN still wins).
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
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

CPPFLAGS_ALL := -Icommon -DPROJECT_ROOT='"$(CURDIR)"' -MMD -MP
CXXFLAGS_ALL := -std=c++17 -Wall -Wextra -pthread
LDLIBS_ALL   := -larmadillo -lpcre2-8 -ldl -pthread

RELEASE_FLAGS := -O3 -march=native -DNDEBUG -DARMA_NO_DEBUG
TEST_FLAGS    := -O2 -g
DEBUG_FLAGS   := -O0 -g
SANITIZE_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
EXTRA_FLAGS   ?=

# --- how one source becomes an object, for each of the three builds ---------------------
define build_mode
$(BUILD)/$(1)/%.o: %.cpp
	@mkdir -p $$(@D)
	$$(CXX) $$(CPPFLAGS_ALL) $$(CXXFLAGS_ALL) $(2) $$(EXTRA_FLAGS) -c $$< -o $$@

$(BUILD)/$(1)/libcommon.a: $$(patsubst %.cpp,$(BUILD)/$(1)/%.o,$$(COMMON_SRCS))
	@mkdir -p $$(@D)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(eval $(call build_mode,release,$(RELEASE_FLAGS)))
$(eval $(call build_mode,test,$(TEST_FLAGS)))
$(eval $(call build_mode,debug,$(DEBUG_FLAGS)))
$(eval $(call build_mode,sanitize,$(SANITIZE_FLAGS)))

# --- chapters: one pattern rule builds ./chapterNN from chapters/NN_*/*.cpp ---------------
chapter_objs = $(patsubst %.cpp,$(BUILD)/$(2)/%.o,$(wildcard chapters/$(1)_*/*.cpp))

.SECONDEXPANSION:
# (the debug rule comes first: for build/debug/chapterNN both rules match with equal stems)
$(BUILD)/debug/chapter%: $$(call chapter_objs,$$*,debug) $(BUILD)/debug/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(DEBUG_FLAGS) $(EXTRA_FLAGS) $(filter %.o,$^) $(BUILD)/debug/libcommon.a $(LDLIBS_ALL) -o $@

# (a static pattern rule: it names exactly the chapters, so it can neither lose to `chapter%`
# nor catch build/sanitize/chapters/.../main.o)
$(addprefix $(BUILD)/sanitize/chapter,$(CHAPTER_NUMS)): $(BUILD)/sanitize/chapter%: $$(call chapter_objs,$$*,sanitize) $(BUILD)/sanitize/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(SANITIZE_FLAGS) $(EXTRA_FLAGS) $(filter %.o,$^) $(BUILD)/sanitize/libcommon.a $(LDLIBS_ALL) -o $@

# A static pattern rule: it applies to the chapter executables only, never to a file that
# merely looks like one (e.g. a header named chapter05.hpp).
$(CHAPTER_BINS): chapter%: $$(call chapter_objs,$$*,release) $(BUILD)/release/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(RELEASE_FLAGS) $(EXTRA_FLAGS) $(filter %.o,$^) $(BUILD)/release/libcommon.a $(LDLIBS_ALL) -o $@

# --- the test runner: one doctest main, one suite per chapter -----------------------------
TEST_RUNNER := $(BUILD)/test/run_tests
$(TEST_RUNNER): $(patsubst %.cpp,$(BUILD)/test/%.o,$(TEST_SRCS)) $(BUILD)/test/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(TEST_FLAGS) $(EXTRA_FLAGS) $^ $(LDLIBS_ALL) -o $@

# --- targets a learner types ---------------------------------------------------------------
.PHONY: all debug setup demo test check tests clean help bench bench-tokenizer docs \
        docs-check gpt2 gpt2-medium gpt2-large gpt2-xl fixtures exercise sanitize fuzz

all: $(CHAPTER_BINS)

debug: $(addprefix $(BUILD)/debug/chapter,$(CHAPTER_NUMS))
	@echo "debug chapters (Armadillo checks on, -O0 -g) are in $(BUILD)/debug/"

setup:
	@bash data/setup/install_packages.sh
	@bash data/setup/fetch_tokenizer.sh

demo: setup
	@$(MAKE) --no-print-directory chapter$(DEMO_CHAPTER)
	./chapter$(DEMO_CHAPTER)

tests: $(TEST_RUNNER) all

# Every suite, then the scripts that drive the executables; the last line is the summary.
test: setup
	@$(MAKE) --no-print-directory tests
	@bash tests/run_all.sh "$(TEST_RUNNER)"

check: setup
	@test -n "$(CH)" || { echo "make check: say which chapter, e.g. make check CH=05" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(TEST_RUNNER) chapter$(CH)
	@bash tests/run_all.sh "$(TEST_RUNNER)" "$(CH)"

bench-tokenizer: chapter01
	./chapter01 --bench

bench: chapter05
	./chapter05 --bench

gpt2 gpt2-medium gpt2-large gpt2-xl:
	@bash data/setup/fetch_gpt2.sh $@

fixtures:
	@bash tests/tools/make_fixtures.sh

# The book (docs/README.md): docs/site/index.html + one page per chapter; CH=NN builds one.
docs:
	@bash docs/build.sh $(CH)

docs-check: docs
	@bash docs/check/check.sh

# A copy of the project in build/exercise/NN/ with chapter NN's exercise bodies stubbed.
exercise:
	@test -n "$(CH)" || { echo "make exercise: say which chapter, e.g. make exercise CH=05" >&2; exit 2; }
	@bash docs/tools/exercise.sh $(if $(FORCE),--force) "$(CH)" $(EX)

# AddressSanitizer + UndefinedBehaviorSanitizer: the test runner and every chapter, built in
# $(BUILD)/sanitize/, then the whole doctest suite and the bad-input script under them.
# Any report fails the run (halt_on_error, -fno-sanitize-recover).
# `make sanitize SANITIZE=inputs` (what CI runs): only the code that reads untrusted input —
# CLI, safetensors, config.json, tokenizer, outputs — i.e. the suites common_cli, ch01_tokenizer,
# ch03_loader, common_model_flags, reliability_bad_input, and chapter03 for the bad-input script.
SANITIZE ?= all
SANITIZE_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=8192 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SANITIZE_INPUT_TESTS := $(filter tests/main.cpp tests/test_common_cli.cpp tests/test_ch01_tokenizer.cpp \
                          tests/test_ch03_loader.cpp tests/test_common_model_flags.cpp tests/test_reliability_%.cpp,$(TEST_SRCS))
$(BUILD)/sanitize/run_tests: $(patsubst %.cpp,$(BUILD)/sanitize/%.o,$(TEST_SRCS)) $(BUILD)/sanitize/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(SANITIZE_FLAGS) $(EXTRA_FLAGS) $^ $(LDLIBS_ALL) -o $@
$(BUILD)/sanitize/run_input_tests: $(patsubst %.cpp,$(BUILD)/sanitize/%.o,$(SANITIZE_INPUT_TESTS)) $(BUILD)/sanitize/libcommon.a
	$(CXX) $(CXXFLAGS_ALL) $(SANITIZE_FLAGS) $(EXTRA_FLAGS) $^ $(LDLIBS_ALL) -o $@

ifeq ($(SANITIZE),inputs)
sanitize: setup
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/run_input_tests $(call chapter_objs,03,sanitize)
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/chapter03
	$(SANITIZE_ENV) $(BUILD)/sanitize/run_input_tests
	$(SANITIZE_ENV) BIN_DIR=$(BUILD)/sanitize bash tests/cli/reliability_bad_input.sh --only chapter03
else
sanitize: setup
	@$(MAKE) --no-print-directory $(BUILD)/sanitize/run_tests $(foreach n,$(CHAPTER_NUMS),$(call chapter_objs,$(n),sanitize))
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/sanitize/chapter,$(CHAPTER_NUMS))
	$(SANITIZE_ENV) $(BUILD)/sanitize/run_tests
	$(SANITIZE_ENV) BIN_DIR=$(BUILD)/sanitize bash tests/cli/reliability_bad_input.sh
endif

# libFuzzer (clang): every tests/fuzz/fuzz_*.cpp for FUZZ_SECONDS each; corpus in $(BUILD)/fuzz/.
FUZZ_SECONDS ?= 60
fuzz:
	@bash data/setup/install_packages.sh clang libclang-rt-14-dev
	@bash tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(CHAPTER_BINS)

help:
	@sed -n '2,13p' Makefile | sed 's/^# \{0,1\}//'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
