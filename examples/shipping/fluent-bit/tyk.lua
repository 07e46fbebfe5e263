-- Types the numbers and booleans of Tyk's text log format (every logfmt
-- value is a string) and fixes logfmt's empty values; JSON lines already
-- carry numbers and booleans and pass through unchanged. The lists are the
-- non-string fields of the plugin's schema (schema/*.json) in every naming
-- mode, the probe entry's, and Tyk's own; examples/shipping/fields_test.go
-- checks them against the schema.

local INTEGER = {
  "status", "upstream_status", "latency_total", "latency_gateway", "upstream_latency",
  "upstream_attempts", "upstream_probe_age_s", "probe_dropped",
  -- ECS / otel names
  "server.port", "network.peer.port", "tyk.upstream.attempts", "tyk.upstream.probe_age_s",
}

local NUMBER = {
  "upstream_conn_idle_ms", "upstream_dns_ms", "upstream_connect_ms", "upstream_tls_ms",
  "upstream_request_write_ms", "upstream_response_headers_ms", "probe_ms", "probe_dns_ms",
  -- ECS / otel names
  "tyk.upstream.connection_idle_ms", "tyk.upstream.dns_ms", "tyk.upstream.connect_ms",
  "tyk.upstream.tls_ms", "tyk.upstream.request_write_ms", "tyk.upstream.response_headers_ms",
}

local BOOLEAN = {
  "upstream_conn_reused",
  -- ECS / otel names
  "tyk.upstream.connection_reused",
}

function tyk_types(tag, timestamp, record)
  local changed = false
  for _, k in ipairs(INTEGER) do
    local v = record[k]
    if type(v) == "string" then
      local n = tonumber(v)
      if n ~= nil then
        record[k] = math.floor(n)
        changed = true
      end
    end
  end
  for _, k in ipairs(NUMBER) do
    local v = record[k]
    if type(v) == "string" then
      local n = tonumber(v)
      if n ~= nil then
        record[k] = n
        changed = true
      end
    end
  end
  for _, k in ipairs(BOOLEAN) do
    local v = record[k]
    if v == "true" then
      record[k] = true
      changed = true
    elseif v == "false" then
      record[k] = false
      changed = true
    end
  end
  if not changed then
    return 0, timestamp, record
  end
  -- 2: record modified, timestamp kept.
  return 2, timestamp, record
end
