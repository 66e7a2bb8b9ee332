"""A loopback DNS server for tests: serves a zone dict over UDP and TCP, so no test touches the network.

    with FakeDNS({"example.com": {"TXT": ['"v=spf1 ip4:192.0.2.0/24 -all"']}}) as (host, port): ...
    with FakeDNS(None) as (host, port): ...   # a nameserver that receives queries and never answers
    with FakeDNS(zone, silent={"s1._domainkey.example.com"}) as (host, port): ...  # never answers those names

Names absent from the zone are NXDOMAIN; a name present without the asked type is an empty NOERROR.
Record data is in zone-file text form (TXT strings quoted, MX "10 mx.example.com.").
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Zone = Mapping[str, Mapping[str, Sequence[str]]]


def answer(zone: Zone, wire: bytes) -> bytes:
    """The response to one query in wire form."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    response.flags |= 0x0400  # AA: we are authoritative for everything we serve
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    records = {k.lower().rstrip("."): v for k, v in zone.items()}.get(name)
    if records is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    data = records.get(dns.rdatatype.to_text(question.rdtype), ())
    if data:
        response.answer.append(dns.rrset.from_text_list(question.name, 60, dns.rdataclass.IN, question.rdtype,
                                                        list(data)))
    return response.to_wire()


def _asked(wire: bytes) -> str:
    return str(dns.message.from_wire(wire).question[0].name.to_text(omit_final_dot=True).lower())


class _UDP(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        zone: Zone | None = self.server.zone  # type: ignore[attr-defined]
        silent: frozenset[str] = self.server.silent  # type: ignore[attr-defined]
        if zone is not None and _asked(data) not in silent:  # None: swallow every query, never answer
            sock.sendto(answer(zone, data), self.client_address)


class _TCP(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        zone: Zone | None = self.server.zone  # type: ignore[attr-defined]
        head = self.request.recv(2)
        if len(head) < 2 or zone is None:
            return
        size = int.from_bytes(head, "big")
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                return
            data += chunk
        if _asked(data) in self.server.silent:  # type: ignore[attr-defined]
            return
        reply = answer(zone, data)
        self.request.sendall(len(reply).to_bytes(2, "big") + reply)


class FakeDNS:
    """UDP and TCP servers on the same loopback port, in daemon threads, for the ``with`` block.

    ``queries`` counts the UDP queries received (to prove a cache saved a lookup)."""

    def __init__(self, zone: Zone | None, silent: frozenset[str] | set[str] = frozenset()) -> None:
        self.zone = zone
        self.silent = frozenset(n.lower().rstrip(".") for n in silent)
        self.queries = 0
        self._servers: list[socketserver.BaseServer] = []

    def __enter__(self) -> tuple[str, int]:
        fake = self

        class Counting(_UDP):
            def handle(self) -> None:
                fake.queries += 1
                super().handle()

        for attempt in range(5):  # the UDP port's TCP twin may be in use by another program: take another
            udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Counting)
            port = udp.server_address[1]
            tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), _TCP, bind_and_activate=False)
            tcp.allow_reuse_address = True
            tcp.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.server_bind()
                tcp.server_activate()
                break
            except OSError:
                udp.server_close()
                tcp.server_close()
                if attempt == 4:
                    raise
        for server in (udp, tcp):
            server.zone = self.zone  # type: ignore[attr-defined]
            server.silent = self.silent  # type: ignore[attr-defined]
            server.daemon_threads = True  # type: ignore[attr-defined]
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            self._servers.append(server)
        return "127.0.0.1", port

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
