#!/usr/bin/env bash
# Builds the stand-in for apache/spark:4.0.x-python3 that the image tests bake on: a debootstrap minbase
# bookworm, openjdk-17-jre-headless, python3 + python3-pip (as the real Dockerfile has them), Spark laid out
# under /opt/spark from the pyspark wheel installed on this machine, user spark uid 185 with home
# /nonexistent, working directory /opt/spark/work-dir.
#
# Cached by its inputs: the image is named localhost/sparklane-test-base:<key>, where the key hashes this
# script, the pyspark and py4j versions and the Debian suite. When buildah's storage lacks it, an OCI archive
# in the cache folder is loaded instead of rebuilding, so a machine pays for the build once.
#
# Usage: scripts/build-test-base.sh            prints the image name on the last line of stdout
# Env:   SPARKLANE_TEST_IMAGES_DIR             cache folder (default ~/.cache/sparklane/test-images)
#        PYTHON                                interpreter whose installed pyspark is laid out (default python3)
# Needs root, buildah, debootstrap.
set -euo pipefail
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

suite=bookworm
python=${PYTHON:-python3}
cache_dir=${SPARKLANE_TEST_IMAGES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sparklane/test-images}
mkdir -p "$cache_dir"

read -r spark_version py4j_version pyspark_dir py4j_dir < <("$python" - <<'EOF'
import importlib.metadata as md, os, pyspark, py4j
print(md.version("pyspark"), md.version("py4j"), os.path.dirname(pyspark.__file__), os.path.dirname(py4j.__file__))
EOF
)
key=$(printf '%s\n' "$(sha256sum "$0" | cut -c1-64)" "$suite" "$spark_version" "$py4j_version" | sha256sum | cut -c1-16)
name=localhost/sparklane-test-base:$key
archive=$cache_dir/sparklane-test-base-$key.oci.tar
log() { echo "build-test-base: $*" >&2; }

if buildah inspect --type image "$name" >/dev/null 2>&1; then
  log "$name is in buildah's storage"
  echo "$name"
  exit 0
fi
if [ -s "$archive" ]; then
  log "loading $name from $archive"
  buildah pull --quiet "oci-archive:$archive" >/dev/null
  buildah tag "$(buildah images --quiet --filter reference="$name" | head -1 || true)" "$name" 2>/dev/null || true
  if buildah inspect --type image "$name" >/dev/null 2>&1; then echo "$name"; exit 0; fi
  log "the archive did not give $name; rebuilding"
fi

work=$(mktemp -d "$cache_dir/.build-XXXXXX")
ctr=""
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The mirror apt already uses on this machine: no host is written into the repository.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { log "no Debian mirror found in apt's sources"; exit 1; }

t0=$(date +%s)
log "debootstrap --variant=minbase $suite (from apt's mirror)"
debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb

# Spark's distribution layout, as the apache/spark image has it, from the installed wheel's files.
log "laying out Spark $spark_version under /opt/spark"
spark="$work/spark"
mkdir -p "$spark/python/lib" "$spark/work-dir"
cp -a "$pyspark_dir/bin" "$pyspark_dir/sbin" "$pyspark_dir/jars" "$spark/"
[ -d "$pyspark_dir/data" ] && cp -a "$pyspark_dir/data" "$spark/"
rm -f "$spark"/bin/*.cmd
(cd "$(dirname "$pyspark_dir")" && "$python" - "$spark/python/lib/pyspark.zip" "$spark/python/lib/py4j-$py4j_version-src.zip" <<'EOF'
import os, sys, zipfile
def pack(pkg, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(pkg):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "jars", "bin", "sbin"))
            for f in sorted(files):
                if not f.endswith(".pyc"):
                    z.write(os.path.join(root, f))
pack("pyspark", sys.argv[1])
pack("py4j", sys.argv[2])
EOF
)
printf 'Spark %s (laid out from the pyspark wheel by sparklane build-test-base)\n' "$spark_version" >"$spark/RELEASE"

ctr=$(buildah from scratch)
buildah copy --quiet "$ctr" "$work/rootfs" / >/dev/null
rm -rf "$work/rootfs"
log "apt-get install openjdk-17-jre-headless python3 python3-pip"
buildah run "$ctr" -- sh -c '
  set -e
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p /usr/share/man/man1
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless python3 python3-pip procps >/dev/null
  apt-get clean
  rm -rf /var/lib/apt/lists/*
  groupadd --system --gid=185 spark
  useradd --system --uid=185 --gid=spark --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin spark
' >"$work/apt.log" 2>&1 || {
  tail -20 "$work/apt.log" >&2
  exit 1
}
buildah copy --quiet --chown 185:185 "$ctr" "$spark" /opt/spark >/dev/null
buildah run "$ctr" -- sh -c 'chmod g+w /opt/spark/work-dir && ln -s "$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")" /opt/java'
buildah config \
  --env JAVA_HOME=/opt/java \
  --env SPARK_HOME=/opt/spark \
  --env PATH=/opt/spark/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --workingdir /opt/spark/work-dir \
  --user 185 \
  --label org.opencontainers.image.title="sparklane test base (stand-in for apache/spark:$spark_version-python3)" \
  --label io.sparklane.test-base.key="$key" \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$name" >/dev/null
ctr=""
log "built $name in $(($(date +%s) - t0)) s; caching it as $archive"
rm -f "$cache_dir"/sparklane-test-base-*.oci.tar
buildah push --quiet "$name" "oci-archive:$archive.part:$name" >/dev/null && mv "$archive.part" "$archive"
echo "$name"
