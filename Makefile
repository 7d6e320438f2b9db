# Everyday commands. `make bench` needs lua5.4 (apt-get install lua5.4) for the comparison.
.PHONY: build test bench

build:
	cargo build --release

test:
	cargo test --release

bench: build
	benches/run.sh
	benches/compile.sh
	cargo bench --bench frontend -- --noplot
