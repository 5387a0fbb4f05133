#!/usr/bin/env bash
# Lays out Elasticsearch's minimal integ-test distribution (a Maven Central zip) in DIR and starts it; prints its URL.
# Only for tests and trials: security off, one node. That distribution has no ILM and no data-streams module: data
# streams still work (the server makes them from a template and rolls them over), only `GET _data_stream` is missing.
set -euo pipefail
DIR="$1"; HOME_DIR="$DIR/home"; VERSION="${SOC_TEST_ES_VERSION:-8.17.0}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ZIP="$HOME/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$VERSION/elasticsearch-$VERSION.zip"
if [ ! -f "$HOME_DIR/.laid-out" ]; then
  [ -f "$ZIP" ] || mvn -q -B dependency:get -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
    -Dtransitive=false >"$DIR/mvn.log" 2>&1 || { echo "mvn could not fetch Elasticsearch $VERSION (see $DIR/mvn.log)" >&2; exit 1; }
  rm -rf "$HOME_DIR" "$DIR/unzip"; mkdir -p "$DIR/unzip"
  (cd "$DIR/unzip" && unzip -q "$ZIP") && mv "$DIR/unzip/elasticsearch-$VERSION" "$HOME_DIR" && rmdir "$DIR/unzip"
  touch "$HOME_DIR/.laid-out"
fi
"$(dirname "$0")/../test-node" stop "$DIR"
HTTP_PORT="$(free_port)"; TRANSPORT_PORT="$(free_port)"
mkdir -p "$DIR/data" "$DIR/logs"
cat >"$HOME_DIR/config/elasticsearch.yml" <<YML
cluster.name: soc-test
node.name: soc-test-node
discovery.type: single-node
network.host: 127.0.0.1
http.port: $HTTP_PORT
transport.port: $TRANSPORT_PORT
path.data: $DIR/data
path.logs: $DIR/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
# the parent breaker counts only what requests reserve, not heap that garbage still fills (a small heap
# shared by every test module otherwise trips it between collections and answers 429)
indices.breaker.total.use_real_memory: false
YML
AS=()
if [ "$(id -u)" = 0 ]; then   # Elasticsearch refuses to run as root: then the node runs as nobody, owning DIR
  chown -R nobody "$DIR"; chmod 755 "$DIR"
  setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$DIR/data" \
    || { echo "the node runs as nobody, who cannot reach $DIR: use a directory whose parents are world-searchable" >&2; exit 1; }
  AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
JAVA_BIN="$(readlink -f "$(command -v java)")"
export ES_JAVA_HOME="${JAVA_BIN%/bin/java}" ES_JAVA_OPTS="-Xms${SOC_TEST_NODE_HEAP:-512m} -Xmx${SOC_TEST_NODE_HEAP:-512m} -Djava.io.tmpdir=$DIR" ES_TMPDIR="$DIR"
rm -f "$DIR/node.pid"
"${AS[@]}" env ES_JAVA_HOME="$ES_JAVA_HOME" ES_JAVA_OPTS="$ES_JAVA_OPTS" ES_TMPDIR="$ES_TMPDIR" \
  "$HOME_DIR/bin/elasticsearch" -d -p "$DIR/node.pid" >"$DIR/node.out" 2>&1 </dev/null \
  || { echo "Elasticsearch $VERSION did not start; its output:" >&2; tail -30 "$DIR/node.out" >&2; exit 1; }
URL="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 240); do
  if curl -sf "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
    echo "$URL" >"$DIR/node.url"; echo "$URL"; exit 0
  fi
  [ -f "$DIR/node.pid" ] && ! kill -0 "$(cat "$DIR/node.pid")" 2>/dev/null && break
  sleep 0.5
done
echo "Elasticsearch $VERSION did not answer (see $DIR/node.out, $DIR/logs)" >&2; tail -30 "$DIR/node.out" >&2; exit 1
