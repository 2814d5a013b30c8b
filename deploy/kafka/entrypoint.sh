#!/bin/bash
# Entry point of the clusterwatch Kafka image (deploy/kafka/Dockerfile).
#
#   broker                 write server.properties from the environment, format the storage
#                          on first start, run the broker (KRaft, broker + controller); with
#                          KAFKA_TOPICS set, create those topics once the broker answers
#   create-topics SPEC...  create the topics when missing (NAME:PARTITIONS[:k=v,...]; waits
#                          up to 120 s for the broker), then list them
#   ready                  exit 0 when the broker answers and KAFKA_TOPICS exist (health check)
#   acls                   list the ACLs (SASL mode)
#
# Environment (broker): KAFKA_CLUSTER_ID (a Kafka Uuid; fixed, so a data volume is formatted
# once), KAFKA_ADVERTISED_HOST (default: the hostname), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS ("-Xms256m -Xmx768m"), KAFKA_LOG_LEVEL (WARN),
# KAFKA_DATA (/var/lib/kafka/data), KAFKA_TOPICS (topic specs, space-separated, created
# when missing: the compose stack needs no init container, which podman 4.3 cannot order).
# create-topics/ready: KAFKA_BOOTSTRAP (localhost:9092).
#
# SASL mode (KAFKA_SASL_SECRETS=DIR, a read-only directory): the client listener on
# KAFKA_PORT is SASL_SSL with mechanism PLAIN (librdkafka < 2.6.1, which Debian 12's
# services link, cannot do SCRAM against Kafka 4; docs/security.md, "Kafka"), PLAINTEXT is
# not served, the StandardAuthorizer denies what no ACL allows and `admin` is the super user
# (the broker itself, topic creation, the health check). DIR holds server.pem and
# server-key.pem (a certificate naming the advertised host and localhost), the ca.pem that
# signed it, and kafka-users:
# `USER PASSWORD` lines, admin's among them. The ACLs applied with the topics are the table
# of deploy/kafka/acls.txt baked into the image (/opt/kafka/config/acls.txt, {suffix} =
# KAFKA_TOPIC_SUFFIX, default v1); KAFKA_ACLS (USER/TYPE/NAME/OPS specs, space-separated;
# deploy/kafka/CreateTopics.java --acl) replaces it when set. The passwords go into files
# under /tmp (mode 600), never onto a command line.
#
# Mutual-TLS mode (KAFKA_TLS_SECRETS=DIR, instead of KAFKA_SASL_SECRETS; what Strimzi's `tls`
# listener with `authentication: tls` does, for deploy/k8s): the client listener on
# KAFKA_PORT is SSL and requires a client certificate signed by DIR/ca.pem; a client's
# principal is its certificate's CN (User:cw-ingest for CN=cw-ingest), so the ACL table is
# the same. DIR holds server.pem, server-key.pem and ca.pem. The broker talks to itself and
# the admin tool to it on localhost-only SASL_PLAINTEXT listeners (KAFKA_INTERNAL_PORT, 9094,
# and the controller's) as `admin` with a password made at each start.
set -euo pipefail

home=/opt/kafka
data="${KAFKA_DATA:-/var/lib/kafka/data}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
iport="${KAFKA_INTERNAL_PORT:-9094}"
tool_jvm=(-Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
          "-Dlog4j2.configurationFile=$home/config/log4j2.properties" -Dcw.log.level=WARN)

admin_config=/tmp/cw-admin.properties  # SASL mode: the admin's Java client settings

admin() {
  local secure=() bootstrap="localhost:$port"
  if [ -n "${KAFKA_SASL_SECRETS:-}${KAFKA_TLS_SECRETS:-}" ]; then
    [ -f "$admin_config" ] || { echo "entrypoint: the broker has not started yet" >&2; exit 1; }
    secure=(--command-config "$admin_config")
  fi
  [ -n "${KAFKA_TLS_SECRETS:-}" ] && bootstrap="localhost:$iport"
  exec java "${tool_jvm[@]}" -cp "$home/classes:$home/libs/*" CreateTopics \
    --bootstrap "${KAFKA_BOOTSTRAP:-$bootstrap}" "${secure[@]}" "$@"
}

# The broker's TLS files in DIR (server.pem, server-key.pem, ca.pem and any more named),
# checked readable; the key and certificate joined into its PEM keystore (mode 600).
tls_files() {  # DIR [FILE...]
  local dir=$1 f
  shift
  for f in server.pem server-key.pem ca.pem "$@"; do
    [ -r "$dir/$f" ] || { echo "entrypoint: $dir/$f is missing or unreadable" >&2; exit 1; }
  done
  (umask 077; cat "$dir/server-key.pem" "$dir/server.pem" >/tmp/cw-keystore.pem)
}

# Mutual-TLS mode: the listener settings (appended to server.properties) and the admin's
# client settings, from KAFKA_TLS_SECRETS.
mtls_config() {
  local dir="$KAFKA_TLS_SECRETS" pw
  tls_files "$dir"
  pw="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  (umask 077
   cat >"$admin_config" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$pw";
PROPS
   cat <<CONF
listeners=SSL://0.0.0.0:$port,INTERNAL://localhost:$iport,CONTROLLER://localhost:$cport
advertised.listeners=SSL://$1:$port,INTERNAL://localhost:$iport
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=SSL:SSL,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
ssl.keystore.type=PEM
ssl.keystore.location=/tmp/cw-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/ca.pem
ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+).*\$/\$1/,DEFAULT
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.internal.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$pw" user_admin="$pw";
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$pw" user_admin="$pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
CONF
  )
}

# SASL mode: the listener settings (appended to server.properties) and the admin's client
# settings, from KAFKA_SASL_SECRETS.
sasl_config() {
  local dir="$KAFKA_SASL_SECRETS" users="" admin_pw="" user pw
  tls_files "$dir" kafka-users
  while read -r user pw; do
    case "$user" in ""|\#*) continue ;; esac
    [[ "$user" =~ ^[A-Za-z0-9._-]+$ ]] && [ -n "$pw" ] && [[ "$pw" != *[\"\\]* ]] \
      || { echo "entrypoint: $dir/kafka-users: bad line for '$user'" >&2; exit 1; }
    users+=" user_$user=\"$pw\""
    [ "$user" = admin ] && admin_pw="$pw"
  done <"$dir/kafka-users"
  [ -n "$admin_pw" ] || { echo "entrypoint: $dir/kafka-users has no admin line" >&2; exit 1; }
  (umask 077
   cat >"$admin_config" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw";
ssl.truststore.type=PEM
ssl.truststore.location=$dir/ca.pem
PROPS
   cat <<CONF
listeners=SASL_SSL://0.0.0.0:$port,CONTROLLER://localhost:$cport
advertised.listeners=SASL_SSL://$1:$port
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
ssl.keystore.type=PEM
ssl.keystore.location=/tmp/cw-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/ca.pem
ssl.client.auth=none
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw"$users;
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw"$users;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
CONF
  )
}

broker() {
  local host="${KAFKA_ADVERTISED_HOST:-$(hostname)}" config=/tmp/server.properties
  (umask 077; : >"$config")
  if [ -n "${KAFKA_SASL_SECRETS:-}" ]; then
    sasl_config "$host" >"$config"
  elif [ -n "${KAFKA_TLS_SECRETS:-}" ]; then
    mtls_config "$host" >"$config"
  else
    cat >"$config" <<CONF
listeners=PLAINTEXT://0.0.0.0:$port,CONTROLLER://localhost:$cport
advertised.listeners=PLAINTEXT://$host:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
CONF
  fi
  cat >>"$config" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$cport
controller.listener.names=CONTROLLER
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
  local first=0 acls=() spec specs
  if [ -n "${KAFKA_ACLS:-}" ]; then
    specs="$KAFKA_ACLS"
  elif [ -n "${KAFKA_SASL_SECRETS:-}${KAFKA_TLS_SECRETS:-}" ]; then
    specs="$(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
                 -e "s/{suffix}/${KAFKA_TOPIC_SUFFIX:-v1}/g" "$home/config/acls.txt")"
  fi
  for spec in ${specs:-}; do acls+=(--acl "$spec"); done
  if [ ! -f "$data/meta.properties" ]; then
    first=1
    : "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (a Kafka Uuid, e.g. Y2x1c3RlcndhdGNoLWtyMQ)}"
    java "${tool_jvm[@]}" -cp "$home/libs/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$config"
  fi
  if [ -n "${KAFKA_SASL_SECRETS:-}${KAFKA_TLS_SECRETS:-}" ] && [ "$first" = 1 ] \
     && [ "${#acls[@]}" -gt 0 ]; then
    # First start: the ACLs must exist before a service can log in (librdkafka's idempotent
    # producer fails for good when it is refused once), so the broker runs once with its
    # client listener on localhost only, gets its ACLs and topics, and stops.
    local boot=/tmp/server-bootstrap.properties pid
    (umask 077
     sed -e "s#^listeners=\(SASL_SSL\|SSL\)://0.0.0.0:#listeners=\1://localhost:#" \
         -e "s#^advertised.listeners=\(SASL_SSL\|SSL\)://[^,]*#advertised.listeners=\1://localhost:$port#" \
         "$config" >"$boot")
    exec_broker=1 run_broker "$boot" &
    pid=$!
    # shellcheck disable=SC2086  # a list of topic specs
    if ! "$0" create-topics "${acls[@]}" ${KAFKA_TOPICS:-} >&2; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" || true
      echo "entrypoint: could not apply the ACLs on first start" >&2
      exit 1
    fi
    kill -TERM "$pid"
    wait "$pid" || true
    rm -f "$boot"
  fi
  rm -f /tmp/cw-topics-created
  if [ -n "${KAFKA_TOPICS:-}" ]; then
    # shellcheck disable=SC2086  # a list of topic specs
    ( "$0" create-topics "${acls[@]}" $KAFKA_TOPICS >&2 && touch /tmp/cw-topics-created ) &
  fi
  exec_broker=1 run_broker "$config"
}

run_broker() {  # CONFIG; replaces this shell when exec_broker=1
  local launch=()
  [ "${exec_broker:-0}" = 1 ] && launch=(exec)
  # shellcheck disable=SC2086  # a list of JVM flags
  "${launch[@]}" java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$home/config/log4j2.properties" \
    "-Dcw.log.level=${KAFKA_LOG_LEVEL:-WARN}" -cp "$home/libs/*" kafka.Kafka "$1"
}

case "${1:-broker}" in
  broker) broker ;;
  create-topics) shift; admin --wait-ms 120000 --list "$@" ;;
  acls) admin --wait-ms 30000 --list-acls ;;
  ready)
    if [ -n "${KAFKA_TOPICS:-}" ] && [ ! -f /tmp/cw-topics-created ]; then exit 1; fi
    admin --wait-ms 0 ;;
  *) echo "usage: entrypoint.sh broker | create-topics SPEC... | ready | acls" >&2; exit 64 ;;
esac
