#!/usr/bin/env bash
# Lays out an OpenSearch 2.19 node home in DIR from Maven jars (opensearch-pom.xml) and starts it; prints its URL.
# Only for tests and trials: security off, one node, AllPermission for the three modules; never for real data.
# Data streams and point in time are in core. No ISM: org.opensearch.plugin:opensearch-index-management is not on
# Maven Central (only opensearch-job-scheduler is), so lifecycle policies are not tested on this node.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="$1"; HOME_DIR="$DIR/home"; VERSION=2.19.6
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

if [ ! -f "$HOME_DIR/.laid-out" ]; then
  rm -rf "$HOME_DIR"; mkdir -p "$HOME_DIR"/{lib,config,modules,plugins} "$DIR/jars"
  mvn -q -B -f "$HERE/opensearch-pom.xml" dependency:copy-dependencies -DoutputDirectory="$DIR/jars" >"$DIR/mvn.log" 2>&1 \
    || { echo "mvn could not fetch the OpenSearch jars (see $DIR/mvn.log)" >&2; exit 1; }
  module() {  # module NAME CLASSNAME EXTENDS JAR-GLOB...
    local name="$1" cls="$2" ext="$3"; shift 3
    mkdir -p "$HOME_DIR/modules/$name"
    for g in "$@"; do mv "$DIR"/jars/$g "$HOME_DIR/modules/$name/"; done
    cat >"$HOME_DIR/modules/$name/plugin-descriptor.properties" <<PROPS
description=$name (laid out by scripts/test-node)
version=$VERSION
name=$name
classname=$cls
java.version=17
opensearch.version=$VERSION
extended.plugins=$ext
has.native.controller=false
PROPS
    printf 'grant {\n  permission java.security.AllPermission;\n};\n' >"$HOME_DIR/modules/$name/plugin-security.policy"
  }
  module transport-netty4 org.opensearch.transport.Netty4Plugin "" 'transport-netty4-client-*.jar' 'netty-*.jar'
  module lang-painless org.opensearch.painless.PainlessPlugin "" 'lang-painless-*.jar' 'antlr4-runtime-*.jar' 'asm-*.jar' \
    'opensearch-scripting-painless-spi-*.jar'
  module analysis-common org.opensearch.analysis.common.CommonAnalysisPlugin lang-painless 'analysis-common-*.jar'
  mv "$DIR"/jars/*.jar "$HOME_DIR/lib/"; rmdir "$DIR/jars"
  cat >"$HOME_DIR/config/log4j2.properties" <<'LOG'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
LOG
  touch "$HOME_DIR/.laid-out"
fi

"$(dirname "$0")/../test-node" stop "$DIR"
HTTP_PORT="$(free_port)"; TRANSPORT_PORT="$(free_port)"
cat >"$HOME_DIR/config/opensearch.yml" <<YML
cluster.name: soc-test
node.name: soc-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $HTTP_PORT
transport.port: $TRANSPORT_PORT
path.data: $DIR/data
path.logs: $DIR/logs
cluster.routing.allocation.disk.threshold_enabled: false
# the parent breaker counts only what requests reserve, not heap that garbage still fills (a small heap
# shared by every test module otherwise trips it between collections and answers 429)
indices.breaker.total.use_real_memory: false
action.auto_create_index: true
YML
mkdir -p "$DIR/data" "$DIR/logs"
cd "$HOME_DIR"
# OpenSearch refuses to run as root (CI and these machines run as root): then the node runs as nobody, owning DIR.
AS=()
if [ "$(id -u)" = 0 ]; then
  chown -R nobody "$DIR"; chmod 755 "$DIR"
  if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$DIR/data"; then
    echo "the node runs as nobody, who cannot reach $DIR: use a directory whose parents are world-searchable" >&2; exit 1
  fi
  AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
nohup "${AS[@]}" java -Xms"${SOC_TEST_NODE_HEAP:-512m}" -Xmx"${SOC_TEST_NODE_HEAP:-512m}" -XX:+UseSerialGC -Xss1m \
  -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$DIR" -Djava.security.manager=allow \
  -Dlog4j2.disable.jmx=true -Dopensearch.path.home="$HOME_DIR" -Dopensearch.path.conf="$HOME_DIR/config" \
  -Dopensearch.distribution.type=tar -Dopensearch.bundled_jdk=false \
  -cp "$HOME_DIR/lib/*" org.opensearch.bootstrap.OpenSearch >"$DIR/node.out" 2>&1 </dev/null &
echo $! >"$DIR/node.pid"
URL="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 240); do
  if ! kill -0 "$(cat "$DIR/node.pid")" 2>/dev/null; then
    echo "the OpenSearch node stopped while starting; its output:" >&2; tail -40 "$DIR/node.out" >&2; exit 1
  fi
  if curl -sf "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
    echo "$URL" >"$DIR/node.url"; echo "$URL"; exit 0
  fi
  sleep 0.5
done
echo "the OpenSearch node did not answer within 120 s (see $DIR/node.out)" >&2; exit 1
