# phoihop - build, run, test, bench, fuzz, install.  See README.md.
# Every library comes through pkg-config; scripts/deps.sh installs what is missing.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDDIR ?= /lib/systemd/system
DESTDIR ?=

CC ?= cc
PKGS = libh2o-evloop jansson libsodium sqlite3 libutf8proc openssl zlib libmagic
# Recursive (=) on purpose: evaluated only when a recipe runs, after deps.sh.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka libcurl)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wno-unused-parameter
BASE_CFLAGS = -std=c11 $(WARN) -Isrc -Ibuild/gen -DH2O_USE_LIBUV=0 -D_GNU_SOURCE
OPT_CFLAGS = -O2 -g
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS = -O1 -g $(SAN_FLAGS)

LIB_SRC = $(sort $(filter-out src/main.c,$(wildcard src/*/*.c)))
EMBED_FILES = $(sort $(wildcard src/store/schema/*/*.sql))
GEN_SRC = build/gen/embedded.c
UNIT_TESTS = $(sort $(wildcard tests/unit/*/test_*.c))
API_TEST_SRC = $(sort $(wildcard tests/api/*.c))
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))

OBJ = $(patsubst %.c,build/obj/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ = $(patsubst %.c,build/san/obj/%.o,$(LIB_SRC) $(GEN_SRC))
UNIT_BINS = $(patsubst tests/unit/%.c,build/san/tests/%,$(UNIT_TESTS))
FUZZ_REPLAY_BINS = $(patsubst fuzz/%.c,build/san/fuzz/%,$(FUZZ_SRC))
FUZZ_BINS = $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

.PHONY: all run test check bench fuzz clean install deps format
all: build/phoihop

deps:
	@scripts/deps.sh build

# ---- the binary -----------------------------------------------------------------
build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

$(GEN_SRC): build/tools/embed $(EMBED_FILES)
	@mkdir -p $(@D)
	build/tools/embed $@ $(EMBED_FILES)

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/libphoihop.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/phoihop: build/obj/src/main.o build/libphoihop.a
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- sanitizer builds for the tests ------------------------------------------------
build/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/san/libphoihop.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/san/phoihop: build/san/obj/src/main.o build/san/libphoihop.a
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/san/tests/%: tests/unit/%.c build/san/libphoihop.a tests/unit/testutil.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/san/libphoihop.a $(PKG_LIBS) $(TEST_LIBS)

build/san/test_api: $(API_TEST_SRC) tests/api/harness.h build/san/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/api $(SAN_CFLAGS) $(PKG_CFLAGS) -o $@ $(API_TEST_SRC) build/san/libphoihop.a $(PKG_LIBS) $(TEST_LIBS)

build/san/fuzz/%: fuzz/%.c fuzz/replay.c fuzz/fuzz.h build/san/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -o $@ $< fuzz/replay.c build/san/libphoihop.a $(PKG_LIBS)

# ---- the two commands ------------------------------------------------------------
DB ?= phoihop.db
LISTEN ?= 127.0.0.1:8080
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build/phoihop
	@scripts/run.sh "$(DB)" "$(LISTEN)"

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory check

check: build/san/phoihop $(UNIT_BINS) build/san/test_api $(FUZZ_REPLAY_BINS)
	@scripts/check_symbols.sh build/san/libphoihop.a
	@scripts/run_tests.sh

# ---- benchmarks, fuzzing ---------------------------------------------------------
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/phoihop build/bench/sqlite_ref build/bench/sse_bench \
	  build/bench/search_bench build/bench/ingest_bench
	@bench/run.sh

# The plain-SQLite reference of the ingest benchmark (no phoihop code in it).
build/bench/sqlite_ref: bench/sqlite_ref.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -o $@ $< $$(pkg-config --libs sqlite3)

# The live-feed load generator (plain sockets and epoll; no phoihop code in it).
build/bench/sse_bench: bench/sse_bench.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -o $@ $<

# The search benchmark: the store and core services of the -O2 library, as the binary.
build/bench/search_bench: bench/search_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The writer's cost of a new incident without HTTP (docs/PERFORMANCE.md, "Writer cost").
build/bench/ingest_bench: bench/ingest_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
build/fuzz/%: fuzz/%.c fuzz/fuzz.h $(LIB_SRC) $(GEN_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(GEN_SRC) $(PKG_LIBS)

fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@# New inputs go to build/fuzz/corpus (the first directory); fuzz/corpus seeds it.
	@# A crash is saved as build/fuzz/crash-*: copy it into fuzz/corpus/<name>/ once fixed.
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); c=$${n#fuzz_}; mkdir -p build/fuzz/corpus/$$c; \
	  echo "fuzzing $$n for $(FUZZ_TIME)s"; \
	  $$f -max_total_time=$(FUZZ_TIME) -artifact_prefix=build/fuzz/ build/fuzz/corpus/$$c fuzz/corpus/$$c || exit 1; done

# ---- install ---------------------------------------------------------------------
install: build/phoihop
	install -D -m 0755 build/phoihop $(DESTDIR)$(BINDIR)/phoihop
	install -D -m 0644 docs/phoihop.1 $(DESTDIR)$(MANDIR)/man1/phoihop.1
	sed 's|@BINDIR@|$(BINDIR)|g' dist/phoihop.service > build/phoihop.service
	install -D -m 0644 build/phoihop.service $(DESTDIR)$(SYSTEMDDIR)/phoihop.service

format:
	clang-format -i $(LIB_SRC) src/main.c $(UNIT_TESTS) $(API_TEST_SRC)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
