"""The PhysioNet downloader against a local HTTP server on 127.0.0.1 serving MIT-BIH files."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ecglib.core.atomic import sha256_file
from ecglib.core.errors import DataError, DownloadError
from ecglib.datasets.mitdb import MITDB
from ecglib.datasets.sources import download_database, read_checksums, resolve_database


class _Handler(BaseHTTPRequestHandler):
    root: Path
    faults: dict[str, list[str]]
    log: list[tuple[str, str | None]]

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        prefix = "/mitdb/1.0.0/"
        rel = self.path[len(prefix):] if self.path.startswith(prefix) else ""
        path = self.root / rel
        self.log.append((rel, self.headers.get("Range")))
        if not rel or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        fault = self.faults.get(rel, [])
        action = fault.pop(0) if fault else "ok"
        if action == "corrupt":
            data = bytes(b ^ 0xFF for b in data)
        start = 0
        rng = self.headers.get("Range")
        if rng and action != "ignore-range":
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if action == "drop":
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.connection.shutdown(2)      # connection dropped mid-file
            return
        self.wfile.write(body)


@pytest.fixture
def server(mitdb_dir, monkeypatch):
    handler = type("H", (_Handler,), {"root": mitdb_dir, "faults": {}, "log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ECGLIB_PHYSIONET_URL", f"http://127.0.0.1:{httpd.server_port}")
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_and_resumes(tmp_path, server, mitdb_dir):
    server.faults["100.dat"] = ["drop"]            # first try breaks a third of the way in
    server.faults["100.atr"] = ["corrupt"]         # first try sends wrong bytes
    target = download_database(MITDB.physionet, tmp_path / "mitdb", records=["100"], progress=False)
    sums = read_checksums(mitdb_dir / "SHA256SUMS.txt")
    for ext in (".hea", ".dat", ".atr"):
        assert sha256_file(target / f"100{ext}") == sums[f"100{ext}"]
    ranges = [r for rel, r in server.log if rel == "100.dat"]
    assert ranges[0] is None and ranges[1] and ranges[1].startswith("bytes=")   # resumed
    assert not list(target.glob("*.part"))


def test_download_gives_up_with_clear_error(tmp_path, server):
    server.faults["100.hea"] = ["corrupt"] * 10
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        download_database(MITDB.physionet, tmp_path / "m", records=["100"], progress=False)
    assert not (tmp_path / "m" / "100.hea").exists()   # never used when unverified


def test_stale_part_file_without_range_support_is_redone(tmp_path, server):
    target = tmp_path / "mitdb"
    target.mkdir()
    (target / "100.hea.part").write_bytes(b"stale bytes from another file")
    server.faults["100.hea"] = ["ignore-range", "ignore-range"]
    download_database(MITDB.physionet, target, records=["100"], progress=False)
    assert (target / "100.hea").read_bytes().startswith(b"100 2 360 650000")


def test_resolver_precedence(tmp_path, monkeypatch, mitdb_dir, server):
    monkeypatch.setenv("ECGLIB_DATA_DIR", str(mitdb_dir.parent))
    assert resolve_database(MITDB.physionet) == mitdb_dir                 # env var
    explicit = tmp_path / "explicit"
    got = resolve_database(MITDB.physionet, explicit, records=["101"], progress=False)
    assert got == explicit and (explicit / "101.dat").exists()   # explicit path wins
    monkeypatch.setenv("ECGLIB_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path / "cache"))
    got = resolve_database(MITDB.physionet, records=["101"], progress=False)
    assert got == tmp_path / "cache" / "physionet" / "mitdb"      # user cache
    with pytest.raises(DataError, match="downloading is off"):
        resolve_database(MITDB.physionet, records=["103"], download=False)


def test_a_record_the_database_lacks_is_named_not_a_download_failure(tmp_path, server,
                                                                     mitdb_dir, monkeypatch):
    monkeypatch.setenv("ECGLIB_DATA_DIR", str(mitdb_dir.parent))
    with pytest.raises(DataError, match=r"has no record 999: .*RECORDS lists"):
        resolve_database(MITDB.physionet, records=["100", "999"])      # a local copy
    monkeypatch.setenv("ECGLIB_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"has no record 999: .*RECORDS lists"):
        resolve_database(MITDB.physionet, records=["999"], progress=False)   # downloading
