# phoihop - build, run, test, bench, fuzz, install.  See README.md.
# Every library comes through pkg-config; scripts/deps.sh installs what is missing.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDDIR ?= /lib/systemd/system
DESTDIR ?=

CC ?= cc
PKGS = libh2o-evloop jansson libsodium sqlite3 libutf8proc openssl zlib libmagic libxml-2.0 proj libpq
# Recursive (=) on purpose: evaluated only when a recipe runs, after deps.sh.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka libcurl)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wno-unused-parameter
BASE_CFLAGS = -std=c11 $(WARN) -Isrc -Ibuild/gen -DH2O_USE_LIBUV=0 -D_GNU_SOURCE
OPT_CFLAGS = -O2 -g
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The sanitizer build is the one the tests run: it also holds the test hooks
# (PH_TEST_HOOKS: fault injection a release build never carries).
SAN_CFLAGS = -O1 -g $(SAN_FLAGS) -DPH_TEST_HOOKS

LIB_SRC = $(sort $(filter-out src/main.c,$(wildcard src/*/*.c)))
EMBED_FILES = $(sort $(wildcard src/store/schema/*/*.sql))
GEN_SRC = build/gen/embedded.c
# The web application (web/ and the libraries vendored from npm), served by static.c.
GEN_SRC += build/gen/web.c
WEB_SRC = $(sort $(shell find web -name node_modules -prune -o -type f -print 2>/dev/null))
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

build/gen/embedded.c: build/tools/embed $(EMBED_FILES)
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

# ---- the web application (docs/ARCHITECTURE.md, "Web application") ---------------
# npm fetches the pinned libraries (web/package-lock.json) when node_modules is
# missing or the lock changed; only their dist files are copied into build/web/vendor,
# and tools/embed_web.c compiles web/ and build/web/ (with gzip and brotli variants)
# into build/gen/web.c.
NPM_CI = npm ci --no-audit --no-fund --prefer-offline --ignore-scripts
NM = web/node_modules
VENDOR = build/web/vendor

build/tools/embed_web: tools/embed_web.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $< $$(pkg-config --cflags --libs zlib libbrotlienc libcrypto)

$(NM)/.phoihop-stamp: web/package.json web/package-lock.json
	cd web && $(NPM_CI)
	@touch $@

$(VENDOR)/.stamp: $(NM)/.phoihop-stamp
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/markercluster $(VENDOR)/uplot
	cp $(NM)/leaflet/dist/leaflet.js $(NM)/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp $(NM)/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp $(NM)/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE.txt
	cp $(NM)/leaflet.markercluster/dist/leaflet.markercluster.js \
	   $(NM)/leaflet.markercluster/dist/MarkerCluster.css \
	   $(NM)/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/markercluster/
	cp $(NM)/leaflet.markercluster/MIT-LICENCE.txt $(VENDOR)/markercluster/LICENSE.txt
	cp $(NM)/uplot/dist/uPlot.iife.min.js \
	   $(NM)/uplot/dist/uPlot.min.css $(VENDOR)/uplot/
	cp $(NM)/uplot/LICENSE $(VENDOR)/uplot/LICENSE.txt
	@touch $@

build/gen/web.c: build/tools/embed_web $(WEB_SRC) $(VENDOR)/.stamp
	@mkdir -p $(@D)
	build/tools/embed_web $@ web/index.html web build/web

# ---- sanitizer builds for the tests ------------------------------------------------
build/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/san/libphoihop.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/san/phoihop: build/san/obj/src/main.o build/san/libphoihop.a
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/san/tests/%: tests/unit/%.c build/san/libphoihop.a $(wildcard tests/unit/*.h tests/unit/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/san/libphoihop.a $(PKG_LIBS) $(TEST_LIBS)

build/san/test_api: $(API_TEST_SRC) tests/api/harness.h build/san/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/api $(SAN_CFLAGS) $(PKG_CFLAGS) -o $@ $(API_TEST_SRC) build/san/libphoihop.a $(PKG_LIBS) $(TEST_LIBS)

build/san/fuzz/%: fuzz/%.c fuzz/replay.c $(wildcard fuzz/*.h) build/san/libphoihop.a
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

# ---- browser tests (tests/e2e/: playwright-core driving Debian's chromium) --------
E2E_NM = tests/e2e/node_modules
.PHONY: e2e screenshots
$(E2E_NM)/.phoihop-stamp: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && $(NPM_CI)
	@touch $@

# make test runs the browser suite too (scripts/run_tests.sh, suite e2e).
check: $(E2E_NM)/.phoihop-stamp

e2e:
	@scripts/deps.sh e2e
	@$(MAKE) --no-print-directory build/phoihop $(E2E_NM)/.phoihop-stamp
	@scripts/e2e.sh

# Screenshots of every page into docs/screenshots/ (shown in README.md).
screenshots:
	@scripts/deps.sh e2e
	@$(MAKE) --no-print-directory build/phoihop $(E2E_NM)/.phoihop-stamp
	@E2E_SCREENSHOTS=docs/screenshots scripts/e2e.sh

# ---- benchmarks, fuzzing ---------------------------------------------------------
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/phoihop build/bench/sqlite_ref build/bench/sse_bench \
	  build/bench/search_bench build/bench/track_bench build/bench/cot_bench \
	  build/bench/cot_parse_bench build/bench/ingest_bench build/bench/hotspot_bench \
	  build/bench/geo_bench
	@bench/run.sh
	@# SQLite against PostgreSQL (issue 7): needs build/phoihop and build/bench/search_bench.
	@bench/stores.sh

# The plain-SQLite reference of the ingest benchmark (no phoihop code in it).
build/bench/sqlite_ref: bench/sqlite_ref.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -o $@ $< $$(pkg-config --libs sqlite3)

# The live-feed load generator (plain sockets and epoll; no phoihop code in it).
build/bench/sse_bench: bench/sse_bench.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -o $@ $<

# The CoT ingest benchmark: plain sockets and epoll against the server, and the
# codec of the -O2 library for its reference (cot_parse alone).
build/bench/cot_bench: bench/cot_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The CoT codec alone (framing and cot_parse of a real TAK stream, one core); run
# by hand: build/bench/cot_parse_bench [STREAM] [ROUNDS].
build/bench/cot_parse_bench: bench/cot_parse_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The search benchmark: the store and core services of the -O2 library, as the binary.
build/bench/search_bench: bench/search_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The track benchmark (positions, issue 4): the same, for an operation's track.
build/bench/track_bench: bench/track_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The writer's cost of a new incident without HTTP (docs/PERFORMANCE.md, "Writer cost").
build/bench/ingest_bench: bench/ingest_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The hot-spot benchmark (issue 6): analytics/ of the -O2 library on synthetic
# incidents, no store (docs/PERFORMANCE.md, "Hot spots").
build/bench/hotspot_bench: bench/hotspot_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

# The area lookup benchmark (issue 8): geo_resolve_area of the -O2 library on the
# real Bến Tre boundaries (docs/PERFORMANCE.md, "Area lookup").
build/bench/geo_bench: bench/geo_bench.c build/libphoihop.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libphoihop.a $(PKG_LIBS)

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
build/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(LIB_SRC) $(GEN_SRC)
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
