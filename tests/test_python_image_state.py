"""The python_image_state module against a stand-in Docker engine: an HTTP server on a UNIX
socket that answers the few API calls the module makes, from a table of images and containers.

The module runs as Ansible runs it: a separate Python process given its arguments in a file."""

from __future__ import annotations

import hashlib
import http.server
import json
import socketserver
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "python_image_state.py"
BASE_ID = "sha256:" + "b" * 64
INPUTS = "0123abcd" * 8


def digest(base_id: str) -> str:
    return hashlib.sha256(f"{INPUTS}\n{base_id}".encode()).hexdigest()


CURRENT_TAG = f"3.9-{digest(BASE_ID)[:12]}"


class FakeEngine(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, images: dict[str, dict], containers: list[dict], fail: bool = False) -> None:
        self.images = images  # ref -> {"Id", "Created", "Size"}
        self.containers = containers
        self.fail = fail
        self.requests: list[str] = []
        super().__init__(path, Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    server: FakeEngine

    def address_string(self) -> str:  # a UNIX socket has no client address to print
        return "local"

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        self.server.requests.append(url.path)
        if self.server.fail and url.path != "/version":
            self.reply(500, {"message": "engine is broken"})
        elif url.path == "/version":
            self.reply(200, {"Version": "26.1.5", "ApiVersion": "1.45"})
        elif url.path == "/containers/json":
            self.reply(200, self.server.containers)
        elif url.path == "/images/json":
            filters = json.loads(urllib.parse.parse_qs(url.query)["filters"][0])
            repository = filters["reference"][0]
            by_id: dict[str, dict] = {}
            for ref, image in self.server.images.items():
                if ref.rpartition(":")[0] == repository:
                    entry = by_id.setdefault(image["Id"], {**image, "RepoTags": []})
                    entry["RepoTags"].append(ref)
            self.reply(200, list(by_id.values()))
        elif url.path.startswith("/images/") and url.path.endswith("/json"):
            ref = urllib.parse.unquote(url.path[len("/images/") : -len("/json")])
            image = self.server.images.get(ref)
            if image is None:
                self.reply(404, {"message": f"No such image: {ref}"})
            else:
                self.reply(200, {**image, "Config": {"Labels": {"x": "y"}}})
        else:
            self.reply(404, {"message": "unknown endpoint"})


@pytest.fixture
def engine(tmp_path):
    servers: list[FakeEngine] = []

    def start(images: dict[str, dict], containers: list[dict] | None = None, fail: bool = False) -> str:
        path = str(tmp_path / f"docker-{len(servers)}.sock")
        server = FakeEngine(path, images, containers or [], fail)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return path

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run_module(tmp_path: Path, **args) -> dict:
    params = {"base": "mlops-debian:bullseye", "repository": "mlops-dev", "version": "3.9", "inputs": INPUTS, **args}
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60, check=False
    )
    result = json.loads(proc.stdout)
    result["rc"] = proc.returncode
    return result


def test_without_an_engine_it_reports_so_and_names_the_build_for_an_absent_base(tmp_path):
    ca_bundle = tmp_path / "ca.pem"
    ca_bundle.write_text("x")
    result = run_module(
        tmp_path,
        socket=str(tmp_path / "missing.sock"),
        files={"python_image_ca_bundle": str(ca_bundle), "python_image_base_archive": str(tmp_path / "none.tar")},
    )
    assert result["rc"] == 0
    assert result["changed"] is False
    assert result["engine"]["reachable"] is False
    assert result["engine"]["error"]
    assert result["tag"] == f"3.9-{digest('')[:12]}"
    assert result["ref"] == f"mlops-dev:{result['tag']}"
    assert result["files"] == {"python_image_ca_bundle": True, "python_image_base_archive": False}


def test_an_unchanged_image_is_found_with_its_alias_and_report(tmp_path, engine):
    image_id = "sha256:" + "c" * 64
    socket = engine(
        {
            "mlops-debian:bullseye": {"Id": BASE_ID, "Created": 1},
            f"mlops-dev:{CURRENT_TAG}": {"Id": image_id, "Created": 10, "Size": 566_000_000},
            "mlops-dev:3.9": {"Id": image_id, "Created": 10},
        }
    )
    report = tmp_path / "image.json"
    report.write_text(json.dumps({"id": image_id, "python_version": "3.9.2"}))
    result = run_module(tmp_path, socket=socket, alias="3.9", report=str(report))
    assert result["rc"] == 0, result
    assert result["engine"] == {"reachable": True, "version": "26.1.5", "error": ""}
    assert result["base_id"] == BASE_ID
    assert result["tag"] == CURRENT_TAG
    assert result["image"]["Id"] == image_id
    assert result["image"]["Size"] == 566_000_000
    assert result["alias_id"] == image_id
    assert result["python_version"] == "3.9.2"
    assert result["builds"] == []


def test_a_new_base_is_a_new_tag(tmp_path, engine):
    other_base = "sha256:" + "d" * 64
    socket = engine({"mlops-debian:bullseye": {"Id": other_base, "Created": 1}})
    result = run_module(tmp_path, socket=socket)
    assert result["tag"] == f"3.9-{digest(other_base)[:12]}"
    assert result["tag"] != CURRENT_TAG
    assert result["image"] == {}


def test_earlier_builds_come_newest_first_with_the_ones_in_use_marked(tmp_path, engine):
    socket = engine(
        {
            "mlops-debian:bullseye": {"Id": BASE_ID, "Created": 1},
            "mlops-dev:3.9-aaaaaaaaaaaa": {"Id": "sha256:old", "Created": 100},
            "mlops-dev:3.9-bbbbbbbbbbbb": {"Id": "sha256:newer", "Created": 300},
            "mlops-dev:3.11-cccccccccccc": {"Id": "sha256:middle", "Created": 200},
            # Not builds: the alias, another tag, another repository, and the current build.
            "mlops-dev:3.9": {"Id": "sha256:newer", "Created": 300},
            "mlops-dev:experiment": {"Id": "sha256:exp", "Created": 400},
            "mlops-dev-other:3.9-dddddddddddd": {"Id": "sha256:other", "Created": 500},
            f"mlops-dev:{CURRENT_TAG}": {"Id": "sha256:current", "Created": 600},
        },
        containers=[{"Id": "c1", "ImageID": "sha256:old"}],
    )
    result = run_module(tmp_path, socket=socket, alias="3.9")
    assert [(b["ref"], b["in_use"]) for b in result["builds"]] == [
        ("mlops-dev:3.9-bbbbbbbbbbbb", False),
        ("mlops-dev:3.11-cccccccccccc", False),
        ("mlops-dev:3.9-aaaaaaaaaaaa", True),
    ]
    assert result["alias_id"] == "sha256:newer"


def test_a_report_of_another_image_is_ignored(tmp_path, engine):
    socket = engine(
        {
            "mlops-debian:bullseye": {"Id": BASE_ID, "Created": 1},
            f"mlops-dev:{CURRENT_TAG}": {"Id": "sha256:current", "Created": 10},
        }
    )
    report = tmp_path / "image.json"
    report.write_text(json.dumps({"id": "sha256:previous", "python_version": "3.9.1"}))
    assert run_module(tmp_path, socket=socket, report=str(report))["python_version"] == ""
    report.write_text("not json")
    assert run_module(tmp_path, socket=socket, report=str(report))["python_version"] == ""


def test_an_engine_that_fails_to_answer_fails_the_module_with_its_words(tmp_path, engine):
    socket = engine({}, fail=True)
    result = run_module(tmp_path, socket=socket)
    assert result["rc"] != 0
    assert result["failed"] is True
    assert "engine is broken" in result["msg"]
    assert socket in result["msg"]


def test_it_documents_itself_for_ansible_doc():
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "-M", str(MODULE.parent), "python_image_state"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for section in ("repository", "inputs", "RETURN VALUES", "EXAMPLES"):
        assert section in proc.stdout
