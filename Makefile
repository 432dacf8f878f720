# Sluice: build, test, demo, benchmark, install.
SWIFT ?= swift
PREFIX ?= /usr/local
BIN = .build/release/sluice

.PHONY: deps all build release test check check-address check-thread fuzz docs demo bench spark-example install uninstall fixtures clean

all: build

# The one set-up step: installs (as root) or names the missing Debian packages.
deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Cross-module optimisation lets the command line's generic stages be specialised with the
# library's code (grep -r over 4,000 small files: 12% less time). It is a compiler flag here,
# not in Package.swift: a package that depends on Sluice could not build one with unsafe flags.
release: deps
	$(SWIFT) build -c release -Xswiftc -cross-module-optimization

# Every test: the library's stage tests, the CLI tests that run the built binary (and the
# examples and the fuzz replayer, which `swift build` builds), then the documentation, whose
# links are checked (warnings are errors).
test: deps
	$(SWIFT) build
	$(SWIFT) test
	bash Examples/BatchJob/check.sh
	$(MAKE) docs

# The test suite under AddressSanitizer, then ThreadSanitizer, each in its own build folder;
# the CLI tests run the binary built with the same sanitizer.
check: check-address check-thread

check-address:
	SLUICE_SANITIZER=address SLUICE_BIN=$(CURDIR)/.build/asan/debug/sluice \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt $(SWIFT) test --scratch-path .build/asan --sanitize=address

check-thread:
	SLUICE_SANITIZER=thread SLUICE_BIN=$(CURDIR)/.build/tsan/debug/sluice TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --scratch-path .build/tsan --sanitize=thread

# libFuzzer on the gzip stage, the decoding stage per codec (gzip, zstd, xz, bzip2, lz4, each
# against its library driven directly), the line splitter, the command-line parser and the field
# stages, FUZZ_SECONDS each (default 60). Seeds come from Fixtures; a crash is saved in Fixtures/fuzz/<target>/,
# which `make test` replays (see Sources/SluiceFuzz).
FUZZ_SECONDS ?= 60
FUZZ_BIN = .build/fuzz/debug/sluice-fuzz
fuzz:
	@# --sanitize makes the package manager link libFuzzer; it passes each sanitizer to the compiler
	@# as a flag of its own, of which only the last counts, so the combined flag comes last.
	$(SWIFT) build --scratch-path .build/fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
	  -Xswiftc -DSLUICE_LIBFUZZER --product sluice-fuzz
	bash Fixtures/scripts/fuzz-seeds.sh .build/fuzz-seeds
	@for spec in gunzip:65536 gzip:65536 zstd:65536 xz:65536 bzip2:65536 lz4:65536 lines:8192 plan:512 fields:8192; do \
	  target=$${spec%%:*}; max_len=$${spec#*:}; \
	  mkdir -p .build/fuzz-corpus/$$target Fixtures/fuzz/$$target; \
	  echo "== fuzzing $$target for $(FUZZ_SECONDS) s"; \
	  SLUICE_FUZZ_TARGET=$$target ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -max_len=$$max_len -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix=Fixtures/fuzz/$$target/ \
	    .build/fuzz-corpus/$$target .build/fuzz-seeds/$$target Fixtures/fuzz/$$target || exit 1; \
	done

# The library's DocC documentation (Sources/Sluice/Sluice.docc), as a static site in .build/docs.
docs:
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target Sluice \
	  --output-path .build/docs --warnings-as-errors --transform-for-static-hosting

# A real pipeline over the rotated demo logs in Fixtures/demo: no setup needed.
demo: deps release
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
	@echo
	@echo '$$ sluice since --zone UTC 2024-05-13T16:50 Fixtures/demo/app.log then until --zone UTC 16:51    # jumps there by binary search'
	@$(BIN) since --zone UTC 2024-05-13T16:50 Fixtures/demo/app.log then until --zone UTC 16:51
	@echo
	@echo '$$ sluice merge Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then since --zone UTC 08:29:50 then until --zone UTC 08:30:10'
	@$(BIN) merge --zone UTC Fixtures/demo/app.log.2.gz Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then since --zone UTC 08:29:50 then until --zone UTC 08:30:10
	@echo
	@echo '$$ sluice merge -H Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then grep -m 2 refused'
	@$(BIN) merge -H Fixtures/demo/app.log.1.gz Fixtures/demo/app.log then grep -m 2 refused

# Measures sluice against grep, ripgrep, ugrep, zcat and wc on a 1 GiB log (made once in .bench/).
bench: release
	python3 bench/bench.py --sluice $(BIN) --bench-lib .build/release/sluice-bench $(if $(CORPUS),--corpus $(CORPUS),) $(BENCH_ARGS)

# Sluice as the per-split worker of a PySpark job in local[2] (Examples/Spark): a virtual
# environment in .build/spark-venv with pyspark from pip (the system's pyspark is used when it
# has one), the release binary, a 1 GiB corpus, rotated .gz logs and a BGZF log in
# .build/spark-data (made once); runs grep -c, the selected lines and a count --by as Spark jobs, checks
# each against one sluice process and prints both times. Not part of `make test` (it downloads PySpark); needs Java 17.
SPARK_VENV = .build/spark-venv
SPARK_DATA = .build/spark-data
SPARK_PATTERN ?= Failed password
spark-example: release
	test -x $(SPARK_VENV)/bin/python || python3 -m venv --system-site-packages $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -c 'import pyspark' 2>/dev/null || $(SPARK_VENV)/bin/pip install -q pyspark
	bash Examples/Spark/make-data.sh $(SPARK_DATA)
	$(SPARK_VENV)/bin/python Examples/Spark/sluice_job.py --sluice $(BIN) --master 'local[2]' \
	  --pattern '$(SPARK_PATTERN)' $(SPARK_DATA)/app.log $(SPARK_DATA)/rotated

# The binary, its man page (generated from the verbs' definitions) and shell completions.
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sluice
	$(BIN) --generate-manual > $(DESTDIR)$(PREFIX)/share/man/man1/sluice.1
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sluice
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sluice.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sluice $(DESTDIR)$(PREFIX)/share/man/man1/sluice.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sluice $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sluice \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sluice.fish

# Regenerates the small inputs under Fixtures/ (deterministic).
fixtures:
	python3 Fixtures/generate.py

clean:
	$(SWIFT) package clean
