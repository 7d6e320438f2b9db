# Everyday commands. `make bench` needs lua5.4 (apt-get install lua5.4) for the comparison.
.PHONY: build test bench fuzz differential cross-runtime test-cross memcheck

build:
	cargo build --release

test:
	cargo test --release

# The runtime for another target, beside target/release/nyashc (README, "Cross builds"):
# make cross-runtime TARGET=aarch64-unknown-linux-gnu
TARGET ?= aarch64-unknown-linux-gnu
cross-runtime:
	runtime/cross-build.sh $(TARGET)

# The conformance suite on the host backends and, under qemu, as TARGET executables.
test-cross: cross-runtime
	NYASH_CROSS_TARGETS=$(TARGET) cargo test --release --test conformance

bench: build
	benches/run.sh
	benches/compile.sh
	cargo bench --bench frontend -- --noplot

# Each fuzz target for FUZZ_SECONDS (default 600), seeded with the conformance programs,
# the samples and fuzz/regressions (inputs that once failed); new inputs go to fuzz/corpus/TARGET, crashes to fuzz/artifacts/TARGET.
# Needs `cargo install cargo-fuzz`; runs on the stable toolchain (no sanitizer).
FUZZ_SECONDS ?= 600
FUZZ_TARGETS = front_end codegen vm_run
fuzz:
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	    mkdir -p corpus/$$t && \
	    cargo fuzz run -s none $$t corpus/$$t ../tests/conformance ../samples regressions -- \
	        -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=20 -rss_limit_mb=8192 -close_fd_mask=3 || exit 1; \
	done

# Every conformance program's executable under valgrind memcheck (docs/TESTING.md).
memcheck:
	tests/memcheck.sh

# The long differential run (docs/TESTING.md): DIFF_PROGRAMS random programs on every backend.
DIFF_PROGRAMS ?= 10000
differential:
	NYASH_DIFF_PROGRAMS=$(DIFF_PROGRAMS) cargo test --release --test differential -- --nocapture
