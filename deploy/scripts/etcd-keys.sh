#!/usr/bin/env bash
# Example route written with etcdctl (Traefik v3 keys). ETCDCTL_ENDPOINTS=host:port to aim elsewhere.
set -euo pipefail
export ETCDCTL_API=3
e="etcdctl ${ETCDCTL_ENDPOINTS:+--endpoints=$ETCDCTL_ENDPOINTS}"
$e put traefik/http/services/demo/loadBalancer/servers/0/url http://upstream-blue:80
$e put traefik/http/services/demo/loadBalancer/servers/1/url http://upstream-green:80
$e put traefik/http/services/demo/loadBalancer/healthCheck/path /
$e put traefik/http/middlewares/demo-headers/headers/customResponseHeaders/X-Served-By switchyard
$e put traefik/http/routers/demo/middlewares/0 demo-headers
$e put traefik/http/routers/demo/service demo
$e put traefik/http/routers/demo/rule 'Host(`demo.localhost`)'
