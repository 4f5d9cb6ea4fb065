#!/bin/sh
# NumPy-oracle conformance: runs every tests/conformance/*.py script under
# NumPy (/usr/bin/python3) and under `loom run`, fused and eager, and
# compares every array the scripts save (see tests/conformance/README.md).
#
# usage: conformance.sh LOOM CONF_DIR WORK_DIR [SCRIPT ...]
#   LOOM      the loom binary
#   CONF_DIR  tests/conformance
#   WORK_DIR  scratch space (wiped per script); results stay there
#   SCRIPT    only these scripts (name, name.py or a path); default: all
# environment: CONFORMANCE_JOBS (2), CONFORMANCE_TIMEOUT (seconds per run,
# 300), CONFORMANCE_MODES ("fused eager tiled disk"; tiled: fused with a
# 64 KB cache budget, so that products at test sizes run as tiled chains,
# runtime/tile.c; disk: fused again in a new process, every kernel loaded
# from the disk cache the fused run filled, jit/objload.c), CONFORMANCE_PYTHON
# (/usr/bin/python3).  Exits 0 when every script passes, 1 otherwise.
set -u

PY=${CONFORMANCE_PYTHON:-/usr/bin/python3}
JOBS=${CONFORMANCE_JOBS:-2}
TMO=${CONFORMANCE_TIMEOUT:-300}
MODES=${CONFORMANCE_MODES:-fused eager tiled disk}

abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

# run_one LOOM CONF WORK NAME: the three runs of one script and its report
# in WORK/NAME/report; prints the report when done.
run_one() {
    loom=$1 conf=$2 work=$3 name=$4
    d=$work/$name
    rm -rf "$d"
    mkdir -p "$d/ref" || exit 1
    t0=$(date +%s.%N)
    (cd "$d/ref" && PYTHONDONTWRITEBYTECODE=1 timeout "$TMO" "$PY" \
        "$conf/$name.py" >"$d/ref.out" 2>"$d/ref.err"; echo $? >"$d/ref.rc")
    t1=$(date +%s.%N)
    echo "$t0 $t1" >"$d/ref.time"
    for m in $MODES; do
        eager=0 tile= cache=
        case $m in
        eager) eager=1 ;;
        tiled) tile=65536 ;;
        fused | disk) cache=$d/cache ;;
        esac
        mkdir -p "$d/$m"
        # LOOM_CACHE_DIR= turns the disk cache off: every kernel compiles
        (cd "$d/$m" && LOOM_EAGER=$eager LOOM_TILE_BYTES=$tile LOOM_CACHE_DIR=$cache \
            timeout "$TMO" "$loom" run "$conf/$name.py" >"$d/$m.out" 2>"$d/$m.err"
         echo $? >"$d/$m.rc")
        t0=$t1
        t1=$(date +%s.%N)
        echo "$t0 $t1" >"$d/$m.time"
    done
    "$PY" "$conf/compare.py" "$conf/$name.py" "$d" $MODES >"$d/report" 2>&1
    echo $? >"$d/status"
    cat "$d/report"
}

if [ "${1:-}" = --one ]; then
    shift
    run_one "$@"
    exit 0
fi

if [ $# -lt 3 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
LOOM=$(abspath "$1")
CONF=$(abspath "$2")
WORK=$(abspath "$3")
shift 3

if [ ! -x "$LOOM" ]; then
    echo "conformance: no loom binary at $LOOM" >&2
    exit 2
fi
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "conformance: $PY cannot import numpy" >&2
    exit 2
fi
mkdir -p "$WORK" || exit 2

# the scripts to run, one name per line
if [ $# -gt 0 ]; then
    names=
    for s in "$@"; do
        n=$(basename "$s" .py)
        if [ ! -f "$CONF/$n.py" ] || [ "$n" = compare ]; then
            echo "conformance: no script $CONF/$n.py" >&2
            exit 2
        fi
        names="$names $n"
    done
else
    names=
    for f in "$CONF"/*.py; do
        n=$(basename "$f" .py)
        [ "$n" = compare ] || names="$names $n"
    done
fi

start=$(date +%s)
printf '%s\n' $names | xargs -P "$JOBS" -I{} sh "$0" --one "$LOOM" "$CONF" \
    "$WORK" {}

total=0 failed=
for n in $names; do
    total=$((total + 1))
    st=$(cat "$WORK/$n/status" 2>/dev/null || echo 1)
    [ "$st" = 0 ] || failed="$failed $n"
done
secs=$(($(date +%s) - start))
if [ -n "$failed" ]; then
    nf=$(printf '%s\n' $failed | wc -l)
    echo "conformance: $nf of $total scripts FAILED in ${secs}s:$failed"
    echo "  (outputs under $WORK/<script>/; rerun one with:"
    echo "   sh $0 $LOOM $CONF $WORK <script>)"
    exit 1
fi
echo "conformance: all $total scripts passed in ${secs}s"
exit 0
