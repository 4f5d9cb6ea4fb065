# The front door.  `make run` and `make test` install what is missing,
# build, and run; everything else is CMake underneath.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build run test bench test-asan install clean

all: build

setup:
	@./scripts/setup

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLOOM_WERROR=ON $(CMAKE_FLAGS)

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main job: a quick pass of the benchmark suite (fused, eager, NumPy,
# hand C, roofline) printed as a table.
run: build
	$(BUILD)/bin/loom-bench --quick

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The full benchmark suite: medians of 7+ runs, writes bench/RESULTS.md and
# bench/results.png.
bench: build
	$(BUILD)/bin/loom-bench --report bench/RESULTS.md --chart bench/results.png

# The whole test suite under AddressSanitizer + UBSan (LeakSanitizer on).
test-asan: setup
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLOOM_SANITIZE=ON -DLOOM_WERROR=ON -DLOOM_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
