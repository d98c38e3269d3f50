# sigtool: signature store, matcher, mail gateway policy and updater.
# `make run` and `make test` work on a fresh Debian machine: what they need
# (Go modules; ClamAV packages for the differential tests) is installed here.

GO      ?= go
BIN     := bin
PKGS    := ./...
export GOFLAGS := -mod=mod

# Debian packages the differential and sample tests use as references
# (python3: its email package is a reference MIME parser; debootstrap and
# systemd-container: packaging's test installs on a fresh Debian booted
# with systemd; postfix: contrib/postfix's test runs a private instance;
# clamav-milter: the milter tests run ClamAV's milter beside ours;
# p7zip-full and arj: unpack's tests write Deflate64 zips and ARJ archives;
# gcab and genisoimage: difftest's format benchmark writes CAB and ISO).
DEB_PKGS := clamav clamav-testfiles clamdscan clamav-daemon clamav-milter python3 debootstrap systemd-container postfix p7zip-full arj gcab genisoimage

.PHONY: all build run test test-short deps realfiles bench ab fuzz chaos lint clean install uninstall deb

all: build

build:
	$(GO) build -o $(BIN)/sigtool ./cmd/sigtool
	$(GO) build -o $(BIN)/sigupdated ./cmd/sigupdated

# install puts the binaries, man pages, shell completions, the systemd
# unit, the sysusers file and example configurations in place. PREFIX
# defaults to /usr/local, whose bin precedes /usr/bin in PATH, so `sigtool`
# is ours even where Debian's clamav package has /usr/bin/sigtool.
# Configuration examples go to $(SYSCONFDIR)/sigtool only where no file
# of that name exists (an operator's edits are never overwritten), and
# always to the doc directory. DESTDIR stages the tree (make deb uses it).
PREFIX      ?= /usr/local
SYSCONFDIR  ?= /etc
BINDIR      := $(PREFIX)/bin
MANDIR      := $(PREFIX)/share/man
DOCDIR      := $(PREFIX)/share/doc/sigtool
UNITDIR     := $(PREFIX)/lib/systemd/system
SYSUSERSDIR := $(PREFIX)/lib/sysusers.d
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d
GENERATE    := sigtool sigupdated
EXAMPLES    := packaging/etc/sigupdated.toml packaging/etc/policy.toml

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/sigtool
	install -m 0755 $(BIN)/sigtool $(BIN)/sigupdated $(DESTDIR)$(BINDIR)/
	for p in $(GENERATE); do \
	  $(BIN)/$$p generate --man $(DESTDIR)$(MANDIR)/man1 \
	    --bash-completion $(DESTDIR)$(BASHCOMPDIR)/$$p \
	    --zsh-completion $(DESTDIR)$(ZSHCOMPDIR)/_$$p \
	    --fish-completion $(DESTDIR)$(FISHCOMPDIR)/$$p.fish || exit 1; \
	done
	gzip -9nf $(DESTDIR)$(MANDIR)/man1/*.1
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@PREFIX@|$(PREFIX)|g' packaging/systemd/sigupdated.service.in \
	  > $(DESTDIR)$(UNITDIR)/sigupdated.service
	install -m 0644 packaging/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/sigtool.conf
	install -m 0644 LICENSE README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	for f in $(EXAMPLES); do \
	  t=$(DESTDIR)$(SYSCONFDIR)/sigtool/$$(basename $$f); \
	  if [ -e $$t ]; then echo "kept $$t (the example is in $(DOCDIR)/examples)"; \
	  else install -m 0644 $$f $$t; fi; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  if command -v systemd-sysusers >/dev/null 2>&1; then systemd-sysusers $(SYSUSERSDIR)/sigtool.conf; fi; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  echo "installed; start the updater with: systemctl enable --now sigupdated"; \
	fi
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "note: $(BINDIR) is not in PATH";; esac

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sigtool $(DESTDIR)$(BINDIR)/sigupdated \
	  $(DESTDIR)$(MANDIR)/man1/sigtool*.1.gz $(DESTDIR)$(MANDIR)/man1/sigupdated*.1.gz \
	  $(DESTDIR)$(BASHCOMPDIR)/sigtool $(DESTDIR)$(BASHCOMPDIR)/sigupdated \
	  $(DESTDIR)$(ZSHCOMPDIR)/_sigtool $(DESTDIR)$(ZSHCOMPDIR)/_sigupdated \
	  $(DESTDIR)$(FISHCOMPDIR)/sigtool.fish $(DESTDIR)$(FISHCOMPDIR)/sigupdated.fish \
	  $(DESTDIR)$(UNITDIR)/sigupdated.service $(DESTDIR)$(SYSUSERSDIR)/sigtool.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "kept $(SYSCONFDIR)/sigtool and /var/lib/sigtool (configuration and data)"

# deb builds bin/sigtool_VERSION_ARCH.deb with nfpm (a Go program, run
# from the module proxy at a pinned version) from a staged `make install`.
NFPM := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
DEB_STAGE := .build/deb
deb:
	rm -rf $(DEB_STAGE) $(BIN)/sigtool_*.deb
	$(MAKE) install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=$(DEB_STAGE)
	DEB_ARCH=$$($(GO) env GOARCH) \
	VERSION=$$($(BIN)/sigtool --version | awk '{print $$NF}') \
	  $(GO) run $(NFPM) package --packager deb --config packaging/nfpm.yaml --target $(BIN)/

# deps installs the ClamAV reference tools when they are missing and we may
# (root with apt-get). Without them the differential tests skip, except under
# CI=true where a missing reference is a failure.
deps:
	@if ! command -v clamscan >/dev/null 2>&1 || ! command -v clamdscan >/dev/null 2>&1 || [ ! -x /usr/sbin/clamd ] || [ ! -d /usr/share/clamav-testfiles ] || ! command -v python3 >/dev/null 2>&1 \
	     || ! command -v debootstrap >/dev/null 2>&1 || ! command -v systemd-nspawn >/dev/null 2>&1 \
	     || [ ! -x /usr/sbin/postfix ] || [ ! -x /usr/sbin/clamav-milter ] || ! command -v 7z >/dev/null 2>&1 || ! command -v arj >/dev/null 2>&1 || ! command -v gcab >/dev/null 2>&1 || ! command -v genisoimage >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(DEB_PKGS)"; \
	    (apt-get update -qq && echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS)) >/dev/null 2>&1 \
	      || echo "warning: apt-get install $(DEB_PKGS) failed; differential tests will skip"; \
	  else echo "note: clamscan or python3 missing and not root; differential tests will skip"; fi; \
	fi

# run: the main job on the built-in default: import the bundled signatures
# into a store under the repo (.run/sigtool.db, never the invoking user's
# own default store) and scan the bundled sample files and mails.
RUN_DB := .run/sigtool.db
run: build
	@echo "== make run keeps its store, quarantine and output under .run/ (the store: $(RUN_DB))"
	mkdir -p .run/mail
	./$(BIN)/sigtool --db $(RUN_DB) import --feed sample testdata/run/signatures/*
	./$(BIN)/sigtool --db $(RUN_DB) info
	./$(BIN)/sigtool --db $(RUN_DB) verify
	@echo "== sigtool scan (exit 1 = something found, as expected here)"
	./$(BIN)/sigtool --db $(RUN_DB) scan testdata/run/files testdata/run/mail || [ $$? -eq 1 ]
	@echo "== sigtool mailscan: delivered messages go to .run/mail"
	./$(BIN)/sigtool --db $(RUN_DB) mailscan --out .run/mail testdata/run/mail || [ $$? -eq 1 ]
	./$(BIN)/sigtool --db $(RUN_DB) quarantine list

test: deps realfiles
	$(GO) vet $(PKGS)
	$(GO) test -race -timeout 25m $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

# realfiles fetches, where they are missing, the real files that
# difftest's BenchmarkRealData and TestRealVerdicts scan (internal/realfiles
# chooses them): libwine's x86-64 PE DLLs and the PDF manuals and office
# files of Debian documentation packages (apt-get download, then dpkg -x).
WINE_DIR := /tmp/wine
DOC_DIR  := /tmp/sigtool-docs
DOC_DEBS := asymptote-doc ghostscript-doc octave-doc python-reportlab-doc calligra-data python3-docx gnumeric-common
realfiles:
	@if [ ! -d $(WINE_DIR)/x/usr/lib/x86_64-linux-gnu/wine ]; then \
	  mkdir -p $(WINE_DIR) && cd $(WINE_DIR) && (apt-get download libwine || (apt-get update -qq && apt-get download libwine)) && dpkg -x libwine_*.deb x \
	    || echo "warning: libwine not fetched; the benchmark's PE class will be missing"; fi
	@if [ ! -d $(DOC_DIR)/x ]; then \
	  mkdir -p $(DOC_DIR) && cd $(DOC_DIR) && (apt-get download $(DOC_DEBS) || (apt-get update -qq && apt-get download $(DOC_DEBS))) && for d in *.deb; do dpkg -x $$d x || exit 1; done \
	    || echo "warning: $(DOC_DEBS) not fetched; the benchmark's document class will be missing"; fi

# bench runs every benchmark once at full size (300k body + 4M hash
# signatures where it applies), then the scan and compile benchmarks again,
# repeated, since one run of those on a shared machine says little, and
# difftest TestRealVerdicts over every real file make test samples (about
# 30 minutes in all); it keeps the output in bench-results.txt, from which
# README's performance section is copied.
BENCH = SIGTOOL_BENCH_FULL=1 $(GO) test -run '^$$' -benchmem -timeout 90m
bench: build deps realfiles
	SIGTOOL_BENCH_WRITE=1 $(BENCH) -bench . -benchtime 1x -p 1 $(PKGS) 2>&1 | tee bench-results.txt
	@echo '# repeated: matcher BenchmarkScan (20 scans, 3 runs), BenchmarkScanSmall, scan BenchmarkScanFile, engine BenchmarkCompile' | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScan$$' -benchtime 20x -count 3 ./matcher/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScanSmall$$' -benchtime 3s -count 3 ./matcher/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScanFile$$' -benchtime 10x -count 3 ./scan/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkCompile$$' -benchtime 3x -count 3 ./engine/ 2>&1 | tee -a bench-results.txt
	@echo '# difftest TestRealVerdicts over every file of the real-data benchmark (make test samples them)' | tee -a bench-results.txt
	SIGTOOL_BENCH_FULL=1 $(GO) test -run '^TestRealVerdicts$$' -v -timeout 90m ./difftest/ 2>&1 | tee -a bench-results.txt

# ab compares one benchmark between two commits in one run: both test
# binaries built from git archive copies, run alternately ROUNDS times,
# then the ratio of medians (scripts/ab.sh). Example:
#   make ab OLD=main NEW=HEAD PKG=./scan BENCH='NormalizeText$$' ROUNDS=5
ROUNDS ?= 3
ab:
	@test -n "$(OLD)" -a -n "$(NEW)" -a -n "$(PKG)" -a -n "$(BENCH)" || { echo "usage: make ab OLD=rev NEW=rev PKG=./pkg BENCH=regexp [ROUNDS=3]"; exit 2; }
	./scripts/ab.sh '$(OLD)' '$(NEW)' '$(PKG)' '$(BENCH)' '$(ROUNDS)'

# fuzz explores every fuzz test for FUZZTIME (default 30s) each.
fuzz:
	./scripts/fuzz.sh

# chaos repeats the kill tests: the daemon SIGKILLed during updates, mail
# writers killed mid-write, SIGTERM during an update, the milter SIGKILLed
# while Postfix hands it mail.
chaos:
	$(GO) test -race -count=5 -run 'Crash|Kill|Term' -timeout 60m ./cmd/sigupdated ./cmd/sigtool ./contrib/postfix

lint:
	gofmt -l . | (! grep .)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

clean:
	rm -rf $(BIN) .build .run
