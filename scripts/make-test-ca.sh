#!/usr/bin/env bash
# make-test-ca.sh — a local test certificate authority for clusterwatch's TLS: a CA, a server
# certificate for 127.0.0.1/localhost, and client certificates for the given names (each the
# certificate's common name and its DNS subject alternative name, which the services use
# to identify the caller; docs/security.md).
# For tests and local trials only; production certificates come from the operator's PKI.
#
# Usage: scripts/make-test-ca.sh DIR [CLIENT_CN...]
#   DIR/ca.pem, DIR/ca-key.pem, DIR/server.pem, DIR/server-key.pem,
#   DIR/client-<CN>.pem, DIR/client-<CN>-key.pem
# Env: CW_TLS_SERVER_NAMES  more DNS names for the server certificate, space-separated (e.g.
#      "cw-ingest cw-query" for the compose stack, where clients use the service names).
set -euo pipefail
me="make-test-ca.sh"
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
DIR="$1"; shift
mkdir -p "$DIR"
cd "$DIR"
q() { "$@" >/dev/null 2>&1 || { echo "[$me] failed: $*" >&2; exit 1; }; }

q openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=clusterwatch test CA" \
  -keyout ca-key.pem -out ca.pem
cat > server.ext <<EXT
subjectAltName = IP:127.0.0.1, DNS:localhost$(for n in ${CW_TLS_SERVER_NAMES:-}; do printf ', DNS:%s' "$n"; done)
extendedKeyUsage = serverAuth
EXT
q openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out server.csr
q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
  -extfile server.ext -out server.pem
for cn in "$@"; do
  printf 'extendedKeyUsage = clientAuth\nsubjectAltName = DNS:%s\n' "$cn" > client.ext
  q openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "client-$cn-key.pem" \
    -out client.csr
  q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
    -extfile client.ext -out "client-$cn.pem"
done
rm -f ./*.csr ./*.ext ca.srl
echo "[$me] CA and certificates in $DIR" >&2
