#!/usr/bin/env bash
# Colab stack check: the notebook tests (`nbdev-test`) on the stack that Google Colab preinstalls
# (Python 3.13, torch 2.11, fastai 2.8.8, fastcore 2.2.12, numpy 2.1.3), in a Debian 13 (trixie) root.
#
#   sudo bash tools/colab-stack-check.sh                 # every notebook (default flags: slow and cuda cells skipped)
#   sudo bash tools/colab-stack-check.sh nbs/07_training.ipynb nbs/tutorials   # only these notebooks or folders
#
# Needs root (debootstrap, chroot, a private mount namespace), Debian's archive and PyPI. The first run downloads
# a Debian base system and the default torch wheel with its CUDA libraries (several GB; CUDA torch runs on a CPU
# too); later runs reuse the root ($COLAB_ROOT, default /var/tmp/charrnn-colab-root) and its pip cache.
# Steps: (1) debootstrap trixie with python3.13 + venv; (2) a venv there with exactly the Colab versions;
# (3) the kit installed from a copy of this working tree, under a constraints file that holds those versions, and
# a check that the install replaced none of them; (4) nbdev-export in the copy, `nbdev-test`, then a summary.
# Environment: COLAB_ROOT, DEBIAN_MIRROR, TEST_TIMEOUT (seconds for nbdev-test, default 3600), FRESH=1 (new root).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ROOT=${COLAB_ROOT:-/var/tmp/charrnn-colab-root}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TEST_TIMEOUT=${TEST_TIMEOUT:-3600}
# The versions Colab preinstalls (Python 3.13 runtime, 2026); torch from PyPI's default index.
PINS=("torch==2.11.*" "fastai==2.8.8" "fastcore==2.2.12" "numpy==2.1.3")
step() { echo; echo "== $1 ($(date +%H:%M:%S))"; }

[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap and chroot need it)"; exit 1; }
paths=("$@")
for p in "${paths[@]}"; do [ -e "$p" ] || { echo "no such notebook or folder: $p"; exit 1; }; done

if [ "${FRESH:-0}" = 1 ] && [ -d "$ROOT" ]; then step "removing the old root $ROOT"; rm -rf --one-file-system "$ROOT"; fi

if [ ! -f "$ROOT/.debootstrap-done" ]; then
  step "Debian 13 (trixie) root in $ROOT (debootstrap from $MIRROR)"
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; }
  rm -rf --one-file-system "$ROOT"; mkdir -p "$ROOT"
  debootstrap --variant=minbase --include=python3.13,python3.13-venv,ca-certificates,git trixie "$ROOT" "$MIRROR"
  touch "$ROOT/.debootstrap-done"
fi

step "a copy of this working tree in the root (/src), Tiny Shakespeare if the shared folder has it (/data)"
rm -rf --one-file-system "$ROOT/src"; mkdir -p "$ROOT/src" "$ROOT/data"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar -C "$REPO" --null -T - -cf - | tar -C "$ROOT/src" -xf -
data_dir=${CHARRNN_DATA:-}
if [ -z "$data_dir" ] && [ -f ../shared/data/tinyshakespeare.txt ]; then data_dir=../shared/data; fi
if [ -n "$data_dir" ] && [ -f "$data_dir/tinyshakespeare.txt" ]; then cp "$data_dir/tinyshakespeare.txt" "$ROOT/data/"; fi
# DNS and the host's certificate bundle (PyPI may be reached through the host's trusted CAs).
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/host-ca.crt"
printf '%s\n' "${PINS[@]}" > "$ROOT/colab-pins.txt"
rel_paths=()
for p in "${paths[@]}"; do rel_paths+=("$(realpath --relative-to="$REPO" "$p")"); done

cat > "$ROOT/colab-check-inner.sh" <<'INNER'
#!/bin/bash
# Runs inside the trixie root.
set -uo pipefail
export HOME=/root LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CERT=/etc/ssl/host-ca.crt PIP_DEFAULT_TIMEOUT=180
export SSL_CERT_FILE=/etc/ssl/host-ca.crt REQUESTS_CA_BUNDLE=/etc/ssl/host-ca.crt
unset PIP_CONSTRAINT PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE
[ -f /data/tinyshakespeare.txt ] && export CHARRNN_DATA=/data
step() { echo; echo "== $1 ($(date +%H:%M:%S))"; }
step "Python in the root: $(python3.13 -V) on Debian $(cat /etc/debian_version)"
[ -x /venv/bin/python ] || python3.13 -m venv /venv || exit 1
. /venv/bin/activate
step "Colab's versions, exactly: $(tr '\n' ' ' < /colab-pins.txt)"
pip install -q -r /colab-pins.txt || { echo "STOPPED: pip could not install Colab's versions"; exit 1; }
pip freeze | sort > /tmp/before.txt
step "the kit from /src with its dev extra, the Colab versions held by a constraints file"
pip install -q -c /colab-pins.txt -e "/src[dev]" || { echo "STOPPED: the kit cannot be installed beside Colab's versions"; exit 1; }
pip freeze | sort > /tmp/after.txt
# Packages that installing the kit changed (not added): Colab's preinstalled ones must be untouched.
changed=$(join -t= -j1 <(sed 's/==/=/' /tmp/before.txt | sort) <(sed 's/==/=/' /tmp/after.txt | sort) -o 1.1,1.2,2.2 |
  awk -F= '$2 != $3 {print $1 " " $2 " -> " $3}')
python - <<'PY' > /tmp/versions.txt
import sys, torch, fastai, fastcore, numpy, nbdev
print(f"python {sys.version.split()[0]}  torch {torch.__version__}  fastai {fastai.__version__}  "
      f"fastcore {fastcore.__version__}  numpy {numpy.__version__}  nbdev {nbdev.__version__}")
PY
cat /tmp/versions.txt
[ -z "$changed" ] && echo "installing the kit changed none of the preinstalled packages" || { echo "CHANGED by the kit:"; echo "$changed"; }
pip check || echo "(pip check reports the conflicts above)"
cd /src
# The library in step with the copied notebooks (what .ci/run requires of every commit): a working tree in the middle
# of an edit may have notebooks ahead of charrnn_fastai/*.py.
step "nbdev-export in the copy"
nbdev-export || { echo "STOPPED: nbdev-export failed in the copy"; exit 1; }
step "nbdev-test ${*:-(every notebook)}, OMP_NUM_THREADS=1, limit ${TEST_TIMEOUT}s"
: > /tmp/nbdev-test.log
status=0
targets=("$@"); [ ${#targets[@]} = 0 ] && targets=("")
start=$(date +%s)
for t in "${targets[@]}"; do
  if [ -n "$t" ]; then set -- "$t"; else set --; fi
  OMP_NUM_THREADS=1 timeout "$TEST_TIMEOUT" nbdev-test "$@" --timing 2>&1 | tee -a /tmp/nbdev-test.log
  rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || status=$rc
done
secs=$(( $(date +%s) - start ))
step "summary"
cat /tmp/versions.txt
[ -z "$changed" ] && echo "kit install: replaced none of the preinstalled packages" || echo "kit install CHANGED: $changed"
# nbdev-test names each failing notebook on a line "SomeError in /src/nbs/NAME.ipynb:".
failed=$(grep -oE '^[A-Za-z_.]*(Error|Exception|Interrupt|Exit)[A-Za-z]* in /src/[^:]+' /tmp/nbdev-test.log | sed 's| in /src/|: |' | sort -u)
if [ "$status" = 0 ]; then echo "nbdev-test: PASSED (${secs}s)"
elif [ "$status" = 124 ]; then echo "nbdev-test: TIMED OUT after ${TEST_TIMEOUT}s"
else echo "nbdev-test: FAILED (exit $status, ${secs}s)"; [ -n "$failed" ] && echo "failing (error: notebook):" && echo "$failed"; fi
exit $status
INNER
chmod +x "$ROOT/colab-check-inner.sh"

step "into the root (a private mount namespace: /proc, /dev and /dev/shm for it alone)"
set +e
unshare --mount --propagation private env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  TEST_TIMEOUT="$TEST_TIMEOUT" ROOT="$ROOT" bash -c '
    mount -t proc proc "$ROOT/proc" && mount --bind /dev "$ROOT/dev" && mount -t tmpfs -o size=4g shm "$ROOT/dev/shm" &&
    mount -t devpts -o newinstance devpts "$ROOT/dev/pts" 2>/dev/null
    exec chroot "$ROOT" /colab-check-inner.sh "$@"' _ "${rel_paths[@]}"
rc=$?
exit $rc
