# A real 3-node etcd cluster on 127.0.0.1 for a test, to be sourced:
#
#   source tests/etcd/cluster.bash
#   etcd_cluster_start [tls]   # ports of its own, data in a temporary folder
#   ... $ETCD_ENDPOINTS ("127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"),
#       ${ETCD_ENDPOINT[1..3]}, and with tls $ETCD_CA $ETCD_CERT $ETCD_KEY
#       (a client certificate the cluster accepts) ...
#   etcd_kill N                # kill -9 node N
#   etcd_restart N             # start node N again on its data
#   etcd_cluster_stop          # stop every node, remove the data
#
# The cluster is stopped and its folder removed when the shell exits: this
# file owns the EXIT trap (add your own clean-up to etcd_on_exit, a function
# called first). A shell killed too hard for its trap to run takes the nodes
# with it all the same (their data folder stays in $TMPDIR then). With tls,
# clients must present a certificate signed by the test CA
# (--client-cert-auth); peers talk plain
# HTTP among themselves.

ETCD_BIN=${ETCD_BIN:-etcd}
ETCDCTL_BIN=${ETCDCTL_BIN:-etcdctl}
etcd_dir=
etcd_pids=()
etcd_client_ports=()
etcd_peer_ports=()
etcd_tls=
etcd_token=
ETCD_ENDPOINT=()

etcd_cleanup() {
  declare -F etcd_on_exit >/dev/null && etcd_on_exit
  etcd_cluster_stop
}
trap etcd_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

etcd_log() { echo "cluster.bash: $*" >&2; }

# A port nobody listens on now, from 20000-31999: below Linux's range of
# ephemeral ports (32768-60999), which outgoing connections take. Another
# process may still take it before etcd does: etcd_cluster_start retries
# with new ports then.
etcd_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' " ${etcd_client_ports[*]} ${etcd_peer_ports[*]} " | grep -q " $port " || {
        echo "$port"
        return
      }
    fi
  done
}

etcd_scheme() { [[ -n $etcd_tls ]] && echo https || echo http; }

# etcd_node_start N STATE: starts node N (1-3) in the background.
etcd_node_start() {
  local n=$1 state=$2 cluster="" i
  for i in 1 2 3; do
    cluster+="${cluster:+,}n$i=http://127.0.0.1:${etcd_peer_ports[$i]}"
  done
  local client_url
  client_url="$(etcd_scheme)://127.0.0.1:${etcd_client_ports[$n]}"
  local args=(--name "n$n" --data-dir "$etcd_dir/n$n"
    --listen-client-urls "$client_url" --advertise-client-urls "$client_url"
    --listen-peer-urls "http://127.0.0.1:${etcd_peer_ports[$n]}"
    --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer_ports[$n]}"
    --initial-cluster "$cluster" --initial-cluster-state "$state"
    --initial-cluster-token "$etcd_token")
  if [[ -n $etcd_tls ]]; then
    args+=(--cert-file "$etcd_dir/tls/server.pem" --key-file "$etcd_dir/tls/server.key"
      --client-cert-auth --trusted-ca-file "$etcd_dir/tls/ca.pem")
  fi
  # setpriv (util-linux): a node dies with this shell even when the shell
  # is killed too hard for its EXIT trap to run (a test runner's timeout).
  setpriv --pdeathsig KILL -- "$ETCD_BIN" "${args[@]}" >>"$etcd_dir/n$n.log" 2>&1 &
  etcd_pids[n]=$!
}

etcdctl_all() {
  local args=(--endpoints "$(etcd_urls)" --dial-timeout 1s --command-timeout 2s)
  [[ -n $etcd_tls ]] && args+=(--cacert "$ETCD_CA" --cert "$ETCD_CERT" --key "$ETCD_KEY")
  ETCDCTL_API=3 "$ETCDCTL_BIN" "${args[@]}" "$@"
}

etcd_urls() {
  local urls="" i
  for i in 1 2 3; do urls+="${urls:+,}$(etcd_scheme)://127.0.0.1:${etcd_client_ports[$i]}"; done
  echo "$urls"
}

# etcd_wait_healthy SECONDS: until every node says it is healthy.
etcd_wait_healthy() {
  local deadline=$((SECONDS + $1)) i
  while ((SECONDS < deadline)); do
    for i in 1 2 3; do
      if [[ -n ${etcd_pids[$i]:-} ]] && ! kill -0 "${etcd_pids[$i]}" 2>/dev/null; then
        etcd_log "node n$i exited; its log:"
        tail -5 "$etcd_dir/n$i.log" >&2
        return 1
      fi
    done
    if [[ $(etcdctl_all endpoint health 2>&1 | grep -c 'is healthy') == 3 ]]; then
      return 0
    fi
    sleep 0.2
  done
  etcd_log "the cluster did not become healthy in $1 s"
  etcdctl_all endpoint health >&2 || true
  return 1
}

etcd_make_certs() {
  local d=$etcd_dir/tls
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=provlock-test-ca \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem
    openssl req -newkey rsa:2048 -nodes -subj /CN=provlock -keyout client.key -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile client.ext -out client.pem
    # A client certificate from another CA: must be refused.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stranger \
      -keyout stranger.key -out stranger.pem
  ) >"$d/openssl.log" 2>&1 || {
    cat "$d/openssl.log" >&2
    return 1
  }
  ETCD_CA=$d/ca.pem ETCD_CERT=$d/client.pem ETCD_KEY=$d/client.key
  ETCD_STRANGER_CERT=$d/stranger.pem ETCD_STRANGER_KEY=$d/stranger.key
  export ETCD_CA ETCD_CERT ETCD_KEY ETCD_STRANGER_CERT ETCD_STRANGER_KEY
}

# etcd_cluster_start [tls]
etcd_cluster_start() {
  etcd_tls=${1:-}
  [[ -n $etcd_tls && $etcd_tls != tls ]] && {
    etcd_log "etcd_cluster_start: unknown option '$etcd_tls'"
    return 1
  }
  local try i
  for try in 1 2 3; do
    etcd_dir=$(mktemp -d "${TMPDIR:-/tmp}/provlock-etcd.XXXXXX")
    etcd_token=provlock-test-${etcd_dir##*.}
    if [[ -n $etcd_tls ]]; then etcd_make_certs || return 1; fi
    etcd_client_ports=() etcd_peer_ports=()
    for i in 1 2 3; do
      etcd_client_ports[i]=$(etcd_free_port)
      etcd_peer_ports[i]=$(etcd_free_port)
    done
    for i in 1 2 3; do etcd_node_start "$i" new; done
    if etcd_wait_healthy 30; then
      ETCD_ENDPOINT=()
      for i in 1 2 3; do ETCD_ENDPOINT[i]=127.0.0.1:${etcd_client_ports[$i]}; done
      ETCD_ENDPOINTS="${ETCD_ENDPOINT[1]},${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]}"
      export ETCD_ENDPOINTS
      etcd_log "3 nodes up at $ETCD_ENDPOINTS${etcd_tls:+ (TLS, client certificates)}"
      return 0
    fi
    etcd_log "start $try failed (a port taken?); trying other ports"
    etcd_cluster_stop
  done
  return 1
}

etcd_kill() {
  local n=$1
  kill -9 "${etcd_pids[$n]}" 2>/dev/null
  wait "${etcd_pids[$n]}" 2>/dev/null
  etcd_pids[n]=
}

etcd_restart() {
  etcd_node_start "$1" existing
  etcd_wait_healthy 30
}

etcd_cluster_stop() {
  local i
  for i in 1 2 3; do
    if [[ -n ${etcd_pids[$i]:-} ]]; then
      kill -9 "${etcd_pids[$i]}" 2>/dev/null
      wait "${etcd_pids[$i]}" 2>/dev/null
    fi
  done
  etcd_pids=()
  [[ -n $etcd_dir ]] && rm -rf "$etcd_dir"
  etcd_dir=
  return 0
}
