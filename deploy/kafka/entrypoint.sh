#!/bin/bash
# Entry point of the clusterwatch Kafka image (deploy/kafka/Dockerfile).
#
#   broker                 write server.properties from the environment, format the storage
#                          on first start, run the broker (KRaft, broker + controller); with
#                          KAFKA_TOPICS set, create those topics once the broker answers
#   create-topics SPEC...  create the topics when missing (NAME:PARTITIONS[:k=v,...]; waits
#                          up to 120 s for the broker), then list them
#   ready                  exit 0 when the broker answers and KAFKA_TOPICS exist (health check)
#
# Environment (broker): KAFKA_CLUSTER_ID (a Kafka Uuid; fixed, so a data volume is formatted
# once), KAFKA_ADVERTISED_HOST (default: the hostname), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS ("-Xms256m -Xmx768m"), KAFKA_LOG_LEVEL (WARN),
# KAFKA_DATA (/var/lib/kafka/data), KAFKA_TOPICS (topic specs, space-separated, created
# when missing: the compose stack needs no init container, which podman 4.3 cannot order).
# create-topics/ready: KAFKA_BOOTSTRAP (localhost:9092).
set -euo pipefail

home=/opt/kafka
data="${KAFKA_DATA:-/var/lib/kafka/data}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
tool_jvm=(-Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
          "-Dlog4j2.configurationFile=$home/config/log4j2.properties" -Dcw.log.level=WARN)

admin() { exec java "${tool_jvm[@]}" -cp "$home/classes:$home/libs/*" CreateTopics \
            --bootstrap "${KAFKA_BOOTSTRAP:-localhost:$port}" "$@"; }

broker() {
  local host="${KAFKA_ADVERTISED_HOST:-$(hostname)}" config=/tmp/server.properties
  cat >"$config" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$cport
listeners=PLAINTEXT://0.0.0.0:$port,CONTROLLER://localhost:$cport
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.enable=true
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=4
CONF
  if [ ! -f "$data/meta.properties" ]; then
    : "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (a Kafka Uuid, e.g. Y2x1c3RlcndhdGNoLWtyMQ)}"
    java "${tool_jvm[@]}" -cp "$home/libs/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$config"
  fi
  rm -f /tmp/cw-topics-created
  if [ -n "${KAFKA_TOPICS:-}" ]; then
    # shellcheck disable=SC2086  # a list of topic specs
    ( "$0" create-topics $KAFKA_TOPICS >&2 && touch /tmp/cw-topics-created ) &
  fi
  # shellcheck disable=SC2086  # a list of JVM flags
  exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$home/config/log4j2.properties" \
    "-Dcw.log.level=${KAFKA_LOG_LEVEL:-WARN}" -cp "$home/libs/*" kafka.Kafka "$config"
}

case "${1:-broker}" in
  broker) broker ;;
  create-topics) shift; admin --wait-ms 120000 --list "$@" ;;
  ready)
    if [ -n "${KAFKA_TOPICS:-}" ] && [ ! -f /tmp/cw-topics-created ]; then exit 1; fi
    admin --wait-ms 0 ;;
  *) echo "usage: entrypoint.sh broker | create-topics SPEC... | ready" >&2; exit 64 ;;
esac
