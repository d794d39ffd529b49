# symbiosis-monit — build, test, install.
#   make                  build ./build/symbiosis-monit
#   sudo make check       install test dependencies (apt), build with ASan/UBSan, run every suite
#   sudo make demo        see it work on a throwaway systemd with real services
#   make install DESTDIR=... PREFIX=/usr

VERSION := 0.1.0
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib/symbiosis

CC ?= cc
PKGS := libcurl mysqlclient libsystemd yaml-0.1
# libcurl, the MariaDB client and libsystemd are not linked but loaded when
# first used (include/lazylib.h): only their headers are needed here.
LINKED_PKGS := yaml-0.1
O ?= build
CFLAGS ?= -O2 -g
WARN := -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-missing-field-initializers
CPPFLAGS += -Iinclude -DVERSION=\"$(VERSION)\" -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(LINKED_PKGS) 2>/dev/null)
LDLIBS += $(PKG_LIBS) -ldl -lpthread -lm -lresolv

SRC := $(sort $(wildcard src/*.c src/*/*.c))
OBJ := $(SRC:%.c=$(O)/%.o)
LIBOBJ := $(filter-out $(O)/src/main.o,$(OBJ))
BIN := $(O)/symbiosis-monit

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all check check-build deps unit test-bin clean install uninstall demo bench fuzz fuzz-build

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/%.o: %.c $(wildcard include/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(LIBOBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -Wno-missing-prototypes $(CPPFLAGS) -Itests/unit $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIBOBJ) \
		$(LDFLAGS) $(LDLIBS) -lcmocka

test-bin: $(BIN) $(UNIT_BIN)

# The test suite: dependencies, a sanitizer build, a plain one (for
# valgrind) and a ThreadSanitizer one (the binary only: tests/cli/threads.bats),
# then every suite. TESTS=path... runs only those files.
check:
	@bash tests/deps.sh
	@$(MAKE) --no-print-directory O=$(O)/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" test-bin
	@$(MAKE) --no-print-directory O=$(O)/plain test-bin
	@$(MAKE) --no-print-directory O=$(O)/tsan CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" \
		$(O)/tsan/symbiosis-monit
	@ASAN_BIN=$(abspath $(O)/asan) PLAIN_BIN=$(abspath $(O)/plain) TSAN_BIN=$(abspath $(O)/tsan) \
		bash tests/run.sh $(TESTS)

# Installation. Definitions and the cron file are configuration: an existing
# one is never overwritten, and `make uninstall` removes only those still
# identical to what was shipped (it says which it keeps). The state directory
# is removed only when empty.
DOCDIR ?= $(PREFIX)/share/doc/symbiosis-monit
ETCDIR = $(DESTDIR)$(SYSCONFDIR)/symbiosis
CRONFILE = $(DESTDIR)$(SYSCONFDIR)/cron.d/symbiosis-monit
CRON_SED = sed 's|/usr/sbin/symbiosis-monit|$(SBINDIR)/symbiosis-monit|g' cron.d/symbiosis-monit
EXAMPLES = $(sort $(wildcard etc/symbiosis/examples/*/README etc/symbiosis/examples/*/*/*.yaml))

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(ETCDIR)/monit.d $(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(STATEDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/symbiosis-monit
	@for f in etc/symbiosis/monit.d/*.yaml; do \
		t=$(ETCDIR)/monit.d/$${f##*/}; \
		if [ -e "$$t" ]; then echo "keeping existing $$t"; \
		else echo "install -m 0644 $$f $$t"; install -m 0644 "$$f" "$$t" || exit 1; fi; \
	done
	@if [ -e $(CRONFILE) ]; then echo "keeping existing $(CRONFILE)"; \
	else echo "install -m 0644 cron.d/symbiosis-monit $(CRONFILE)"; \
		$(CRON_SED) >$(CRONFILE).tmp && chmod 0644 $(CRONFILE).tmp && mv $(CRONFILE).tmp $(CRONFILE); fi
	install -m 0644 man/symbiosis-monit.8 $(DESTDIR)$(MANDIR)/man8/symbiosis-monit.8
	install -m 0644 man/symbiosis-monit.d.5 $(DESTDIR)$(MANDIR)/man5/symbiosis-monit.d.5
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/
	@for f in $(EXAMPLES); do \
		t=$(DESTDIR)$(DOCDIR)/examples/$${f#etc/symbiosis/examples/}; \
		install -D -m 0644 "$$f" "$$t" || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/symbiosis-monit $(DESTDIR)$(MANDIR)/man8/symbiosis-monit.8 \
		$(DESTDIR)$(MANDIR)/man5/symbiosis-monit.d.5
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/LICENSE
	@for f in $(EXAMPLES); do \
		t=$(DESTDIR)$(DOCDIR)/examples/$${f#etc/symbiosis/examples/}; \
		rm -f "$$t"; rmdir "$${t%/*}" 2>/dev/null; \
	done; true
	-@rmdir $(DESTDIR)$(DOCDIR)/examples/* $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null; true
	@for f in etc/symbiosis/monit.d/*.yaml; do \
		t=$(ETCDIR)/monit.d/$${f##*/}; [ -e "$$t" ] || continue; \
		if cmp -s "$$f" "$$t"; then rm -f "$$t"; else echo "keeping changed $$t"; fi; \
	done
	@if [ -e $(CRONFILE) ]; then \
		if $(CRON_SED) | cmp -s - $(CRONFILE); then rm -f $(CRONFILE); \
		else echo "keeping changed $(CRONFILE)"; fi; fi
	-@rmdir $(ETCDIR)/monit.d $(ETCDIR) $(DESTDIR)$(STATEDIR) 2>/dev/null; true

# Fuzzing with clang's libFuzzer (tests/fuzz/): every object is built again
# with clang, ASan and UBSan in $(O)/fuzz. `make fuzz` replays the corpus
# and tests/fuzz/regressions/, then fuzzes each target FUZZ_SECONDS (60);
# new inputs go to $(O)/fuzz/corpus, crashes to $(O)/fuzz/crashes.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

fuzz-build:
	@$(MAKE) --no-print-directory O=$(O)/fuzz CC=$(FUZZ_CC) CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		LDFLAGS="$(FUZZ_SAN)" $(addprefix $(O)/fuzz/,$(FUZZ_TARGETS))

$(O)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBOBJ)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBOBJ) $(LDFLAGS) $(LDLIBS)

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(abspath $(O)/fuzz) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# A tour on a throwaway systemd with real services; needs root. See demo/.
demo: $(BIN)
	@bash demo/demo.sh $(abspath $(BIN))

# Figures against monitoring-plugins and monit on loopback servers; not a
# test. See bench/README.md; BENCH_ARGS="--runs 9 --scenarios healthy".
bench: $(BIN)
	@/usr/bin/python3 bench/bench.py --bin $(abspath $(BIN)) $(BENCH_ARGS)

clean:
	rm -rf $(O)
