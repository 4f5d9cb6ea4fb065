#!/bin/sh
# Runs examples and checks their results against NumPy.
#
# Usage: test_examples.sh EXAMPLES_BIN_DIR EXAMPLES_SRC_DIR WORK_DIR NAME...
#
# For each NAME: runs EXAMPLES_BIN_DIR/NAME WORK_DIR/NAME/loom, which writes
# its results as .npy files; runs EXAMPLES_SRC_DIR/NAME.py (the NumPy
# reference) into WORK_DIR/NAME/numpy; compares the two with compare.py.
# NumPy lives only in Debian's /usr/bin/python3; without it the test is
# skipped (exit 77, CTest's SKIP_RETURN_CODE).
set -u
bin=$1 src=$2 work=$3
shift 3
py=/usr/bin/python3

if ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: $py has no NumPy"
    exit 77
fi

status=0
for name in "$@"; do
    dir=$work/$name
    rm -rf "$dir"
    mkdir -p "$dir/loom" "$dir/numpy"
    echo "== $name"
    "$bin/$name" "$dir/loom"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name exited with status $rc"
        status=1
        continue
    fi
    if ! "$py" "$src/$name.py" "$dir/numpy"; then
        echo "FAIL: $name.py (the NumPy reference) failed"
        status=1
        continue
    fi
    if ! "$py" "$src/compare.py" "$dir/loom" "$dir/numpy"; then
        echo "FAIL: $name differs from NumPy"
        status=1
    fi
done
exit $status
