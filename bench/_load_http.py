"""A small HTTP/1.1 load generator on asyncio streams (keep-alive, one connection per client),
lighter than a general client so that the server, not the generator, is what is measured.

`run_load(...)` keeps `clients` connections busy for `seconds`, each sending the requests its
`make_request(client, n)` returns, and gives back the status codes and latencies seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


@dataclass(slots=True)
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)


def encode(host: str, request: Request) -> bytes:
    method, path, headers, body = request
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """The status of one response; its body is read and dropped (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _client(number: int, *, host: str, port: int, stop_at: float, tally: Tally,
                  make_request: Callable[[int, int], Request]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        while time.perf_counter() < stop_at:
            payload = encode(f"{host}:{port}", make_request(number, sent))
            began = time.perf_counter()
            writer.write(payload)
            await writer.drain()
            status = await read_response(reader)
            tally.add(status, time.perf_counter() - began)
            sent += 1
    except (OSError, asyncio.IncompleteReadError) as error:
        tally.failures.append(f"client {number}: {type(error).__name__}: {error}")
    finally:
        writer.close()


async def _run(host: str, port: int, clients: int, seconds: float,
               make_request: Callable[[int, int], Request]) -> tuple[Tally, float]:
    tally = Tally()
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(*(_client(number, host=host, port=port, stop_at=stop_at, tally=tally,
                                   make_request=make_request) for number in range(clients)))
    return tally, time.perf_counter() - began


def run_load(*, host: str, port: int, clients: int, seconds: float,
             make_request: Callable[[int, int], Request]) -> tuple[Tally, float]:
    """The tally of a run and its wall time in seconds."""
    return asyncio.run(_run(host, port, clients, seconds, make_request))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
