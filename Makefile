# Sluice: build, test, demo, benchmark, install.
SWIFT ?= swift
PREFIX ?= /usr/local
BIN = .build/release/sluice

.PHONY: all build release test demo bench install uninstall fixtures clean

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Every test: the library's stage tests and the CLI tests that run the built binary.
test:
	$(SWIFT) build
	$(SWIFT) test

# A real pipeline over the rotated demo logs in Fixtures/demo: no setup needed.
demo: release
	@echo '$$ sluice grep -c "Failed password" Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log'
	@$(BIN) grep -c "Failed password" Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log
	@echo
	@echo '$$ sluice cat Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then grep -i -E "timeout|refused" then grep -v healthcheck then head -n 8'
	@$(BIN) cat Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then grep -i -E "timeout|refused" then grep -v healthcheck then head -n 8
	@echo
	@echo '$$ sluice cat Fixtures/demo/app.log.1.gz then grep -n -C 1 "connection refused" then head -n 7'
	@$(BIN) cat Fixtures/demo/app.log.1.gz then grep -n -C 1 "connection refused" then head -n 7
	@echo
	@echo '$$ sluice cat Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then count'
	@$(BIN) cat Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then count
	@echo
	@echo '$$ sluice tail -n 3 Fixtures/demo/app.log'
	@$(BIN) tail -n 3 Fixtures/demo/app.log

# Measures sluice against grep, ripgrep, ugrep, zcat and wc on a 1 GiB log (made once in .bench/).
bench: release
	python3 bench/bench.py --sluice $(BIN) --bench-lib .build/release/sluice-bench $(if $(CORPUS),--corpus $(CORPUS),) $(BENCH_ARGS)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sluice

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sluice

# Regenerates the small inputs under Fixtures/ (deterministic).
fixtures:
	python3 Fixtures/generate.py

clean:
	$(SWIFT) package clean
