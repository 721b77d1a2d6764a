"""wrk as the load generator of web_load.py (Debian package ``wrk``).

wrk is C and takes a small share of a core where the httpx generator took a third to a half of
one. Each scenario becomes a Lua script, written at run time: a list of ready requests (each
with its user's session cookie or API token, so 50 connections act as 50 signed-in users) that
the connections take in turn; uploads build a multipart body with a unique text per request.
``response()`` counts the statuses (wrk itself would count a 303 to the login page as success)
and ``done()`` prints one line of JSON with the percentiles that ``web_load.py`` reports.

Latencies are wrk's: from sending a request to its complete answer, over all answers (wrk has
no per-status latencies; a run with errors says so in ``statuses``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = "WRK_RESULT "
BOUNDARY = "eakteLasttestGrenze7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class WrkRequest:
    method: str
    path: str  # with the query string, already encoded
    headers: dict[str, str]


@dataclass(frozen=True)
class Upload:
    """Per request a new text file ``<prefix> Nr. <n> <random>`` + ``filler``."""

    prefix: str
    filler: str


def wrk_path() -> str | None:
    return shutil.which("wrk")


def lua_string(value: str) -> str:
    """A Lua 5.1 string literal: printable ASCII as is, every other byte as ``\\ddd``."""
    parts = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if 32 <= byte < 127 and char not in '"\\':
            parts.append(char)
        else:
            parts.append(f"\\{byte:03d}")
    return '"' + "".join(parts) + '"'


def _lua_request(request: WrkRequest) -> str:
    headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in request.headers.items())
    return f"{{{lua_string(request.method)}, {lua_string(request.path)}, {{{headers}}}}}"


def lua_script(
    requests: list[WrkRequest], expected: int, think_ms: float, upload: Upload | None
) -> str:
    """The script for one scenario: ``requests`` in turn; ``think_ms`` > 0 pauses each
    connection 0.5–1.5 × that long after an answer (wrk's ``delay``)."""
    table = ",\n  ".join(_lua_request(r) for r in requests)
    body = ""
    if upload is not None:
        body = f"""
  local text = {lua_string(upload.prefix)} .. " Nr. " .. counter .. " " ..
    math.random(1, 2147483647) .. "\\n\\n" .. {lua_string(upload.filler)}
  body = "--{BOUNDARY}\\r\\n" ..
    "Content-Disposition: form-data; name=\\"files\\"; filename=\\"lasttest-" .. counter ..
    ".txt\\"\\r\\nContent-Type: text/plain\\r\\n\\r\\n" .. text .. "\\r\\n--{BOUNDARY}--\\r\\n"
  headers["Content-Type"] = "multipart/form-data; boundary={BOUNDARY}"
"""
    delay = ""
    if think_ms > 0:
        low, high = max(1, round(think_ms * 0.5)), max(1, round(think_ms * 1.5))
        delay = f"delay = function() return math.random({low}, {high}) end\n"
    return f"""-- written by bench/wrk_load.py for one scenario
local requests = {{
  {table}
}}
local counter = 0
local threads = {{}}
statuses = {{}}  -- globals: done() reads them with thread:get()
first_errors = {{}}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  math.randomseed(os.time())
end

request = function()
  counter = counter + 1
  local chosen = requests[(counter % #requests) + 1]
  local headers = {{}}
  for k, v in pairs(chosen[3]) do headers[k] = v end
  local body = nil{body}
  return wrk.format(chosen[1], chosen[2], headers, body)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= {expected} and #first_errors < 5 then
    local text = string.gsub(string.sub(body, 1, 200), '[%c"\\\\]', " ")
    table.insert(first_errors, status .. ": " .. text)
  end
end
{delay}
done = function(summary, latency, requests)
  local counts, errors = {{}}, {{}}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    for _, text in ipairs(thread:get("first_errors")) do
      if #errors < 5 then table.insert(errors, '"' .. text .. '"') end
    end
  end
  local parts = {{}}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  local e = summary.errors
  io.write("{MARKER}" .. string.format(
    '{{"duration_us": %d, "requests": %d, "bytes": %d, "statuses": {{%s}}, ' ..
    '"socket_errors": {{"connect": %d, "read": %d, "write": %d, "timeout": %d}}, ' ..
    '"latency_us": {{"p50": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}}, ' ..
    '"first_errors": [%s]}}\\n',
    summary.duration, summary.requests, summary.bytes, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, table.concat(errors, ", ")))
end
"""


def run_wrk(
    url: str, connections: int, seconds: float, script: Path, timeout_s: float = 120
) -> dict[str, Any]:
    """One wrk run (one thread: on 2 cores it keeps up with several hundred answers/s);
    returns the JSON that the script's ``done()`` printed."""
    command = [
        wrk_path() or "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        f"{round(timeout_s)}s",
        "--script",
        str(script),
        url,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in finished.stdout.splitlines():
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER) :])
            return result
    raise RuntimeError(
        f"wrk gave no result (exit {finished.returncode}): {finished.stderr[-500:]}"
        f"{finished.stdout[-500:]}"
    )
