#!/usr/bin/env bash
# The same example route written with `consul kv put` (CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN as usual).
set -euo pipefail
consul kv put traefik/http/services/demo/loadBalancer/servers/0/url http://upstream-blue:80
consul kv put traefik/http/services/demo/loadBalancer/servers/1/url http://upstream-green:80
consul kv put traefik/http/services/demo/loadBalancer/healthCheck/path /
consul kv put traefik/http/middlewares/demo-headers/headers/customResponseHeaders/X-Served-By switchyard
consul kv put traefik/http/routers/demo/middlewares/0 demo-headers
consul kv put traefik/http/routers/demo/service demo
consul kv put traefik/http/routers/demo/rule 'Host(`demo.localhost`)'
