# sigtool: signature store, matcher, mail gateway policy and updater.
# `make run` and `make test` work on a fresh Debian machine: what they need
# (Go modules; ClamAV packages for the differential tests) is installed here.

GO      ?= go
BIN     := bin
PKGS    := ./...
export GOFLAGS := -mod=mod

# Debian packages the differential and sample tests use as references
# (python3: its email package is a reference MIME parser).
DEB_PKGS := clamav clamav-testfiles clamdscan clamav-daemon python3

.PHONY: all build run test test-short deps bench fuzz chaos lint clean

all: build

build:
	$(GO) build -o $(BIN)/sigtool ./cmd/sigtool
	$(GO) build -o $(BIN)/sigupdated ./cmd/sigupdated

# deps installs the ClamAV reference tools when they are missing and we may
# (root with apt-get). Without them the differential tests skip, except under
# CI=true where a missing reference is a failure.
deps:
	@if ! command -v clamscan >/dev/null 2>&1 || ! command -v clamdscan >/dev/null 2>&1 || [ ! -x /usr/sbin/clamd ] || [ ! -d /usr/share/clamav-testfiles ] || ! command -v python3 >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(DEB_PKGS)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS)) >/dev/null 2>&1 \
	      || echo "warning: apt-get install $(DEB_PKGS) failed; differential tests will skip"; \
	  else echo "note: clamscan or python3 missing and not root; differential tests will skip"; fi; \
	fi

# run: the main job on the built-in default: import the bundled signatures
# into the default store and scan the bundled sample files and mails.
run: build
	./$(BIN)/sigtool import --feed sample testdata/run/signatures/*
	./$(BIN)/sigtool info
	./$(BIN)/sigtool verify
	@echo "== sigtool scan (exit 1 = something found, as expected here)"
	./$(BIN)/sigtool scan --summary testdata/run/files testdata/run/mail || [ $$? -eq 1 ]
	@echo "== sigtool mailscan: delivered messages go to .run/mail"
	mkdir -p .run/mail
	./$(BIN)/sigtool mailscan --out .run/mail testdata/run/mail || [ $$? -eq 1 ]
	./$(BIN)/sigtool quarantine list

test: deps
	$(GO) vet $(PKGS)
	$(GO) test -race -timeout 25m $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

# bench runs every benchmark once at full size (300k body + 4M hash
# signatures where it applies), then the scan and compile benchmarks again,
# repeated, since one run of those on a shared machine says little (about
# 20 minutes in all); it keeps the output in bench-results.txt, from which
# README's performance section is copied.
BENCH = SIGTOOL_BENCH_FULL=1 $(GO) test -run '^$$' -benchmem -timeout 90m
bench: build deps
	SIGTOOL_BENCH_WRITE=1 $(BENCH) -bench . -benchtime 1x -p 1 $(PKGS) 2>&1 | tee bench-results.txt
	@echo '# repeated: matcher BenchmarkScan (20 scans, 3 runs), BenchmarkScanSmall, scan BenchmarkScanFile, engine BenchmarkCompile' | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScan$$' -benchtime 20x -count 3 ./matcher/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScanSmall$$' -benchtime 3s -count 3 ./matcher/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkScanFile$$' -benchtime 10x -count 3 ./scan/ 2>&1 | tee -a bench-results.txt
	$(BENCH) -bench 'BenchmarkCompile$$' -benchtime 3x -count 3 ./engine/ 2>&1 | tee -a bench-results.txt

# fuzz explores every fuzz test for FUZZTIME (default 30s) each.
fuzz:
	./scripts/fuzz.sh

# chaos repeats the kill tests: the daemon SIGKILLed during updates, mail
# writers killed mid-write, SIGTERM during an update.
chaos:
	$(GO) test -race -count=5 -run 'Crash|Kill|Term' -timeout 60m ./cmd/sigupdated ./cmd/sigtool

lint:
	gofmt -l . | (! grep .)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

clean:
	rm -rf $(BIN)
