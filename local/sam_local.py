"""The service under SAM CLI's own emulator: ``python -m local.sam_local`` (``make sam-local``).

The AWS side is the local stack's (``local.stack``): moto's server with the template's tables,
bucket, event bus and state machine, whose steps moto's engine runs in this process, the
EventBridge rules, schedules and stream consumers. The HTTP side is ``sam local start-api``
instead of our gateway: every request runs in a Lambda container (the base image
``scripts/sam-base-image.sh`` prepares), authorizer included.

The containers reach moto through the Docker bridge's gateway address, where a second moto
server of this process listens (same backends, same data), so moto is never exposed beyond this
machine. SAM CLI only sets the environment variables a function declares, so the build uses a
copy of the template (``.aws-sam/sam-local/template.json``) whose Globals also declare the ones
only local runs set (``AWS_ENDPOINT_URL`` ...); the generated env-vars file
(``.aws-sam/sam-local/env.json``) gives every function their values. The architecture is the
host's (``uname -m``). Ctrl-C stops SAM CLI (and its containers) and moto.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Final

from local import template
from local.resources import REGION, function_environment
from local.stack import StackInfo, announce, banner, moto_server, provision

ROOT: Final = template.ROOT
WORK_DIR: Final = ROOT / ".aws-sam" / "sam-local"
IMAGE_SCRIPT: Final = ROOT / "scripts" / "sam-base-image.sh"
SAM: Final = ROOT / ".venv-sam" / "bin" / "sam"
NO_DOCKER: Final = 3  # the image script's exit code when Docker cannot be had
START_TIMEOUT_S: Final = 180.0
STOP_TIMEOUT_S: Final = 30.0
DEFAULT_PORT: Final = 3000
# Variables only local runs set; declared in the build's template copy so SAM CLI passes them.
LOCAL_ONLY_VARIABLES: Final = ("AWS_ENDPOINT_URL", "AWS_READ_TIMEOUT_S", "WEBHOOK_ALLOW_LOCAL_HTTP")
_CODE_KEYS: Final = ("CodeUri", "ContentUri", "DefinitionUri")


def architecture(machine: str) -> str:
    """The template's name for a machine's architecture (``uname -m``)."""
    machine = machine.lower()
    if machine in ("aarch64", "arm64"):
        return "arm64"
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    raise argparse.ArgumentTypeError(f"Lambda has no {machine} architecture")


# -- the template copy, the env-vars file -------------------------------------------------------


def local_template(tpl: Mapping[str, Any] | None = None, root: Path = ROOT) -> dict[str, Any]:
    """The template with absolute code paths and the local-only variables declared (empty)."""
    copied: dict[str, Any] = json.loads(json.dumps(tpl or template.load_template()))
    for resource in copied["Resources"].values():
        props = resource.get("Properties", {})
        for key in _CODE_KEYS:
            if isinstance(props.get(key), str):
                props[key] = str((root / props[key]).resolve())
    variables = copied["Globals"]["Function"].setdefault("Environment", {})
    variables = variables.setdefault("Variables", {})
    for name in LOCAL_ONLY_VARIABLES:
        variables.setdefault(name, "")
    return copied


def env_vars(function_environment: Mapping[str, str], endpoint: str) -> dict[str, Any]:
    """The ``--env-vars`` file: every function's variables, pointed at the local AWS.

    ``Parameters`` applies to every function; SAM CLI sets only those a function declares.
    """
    values = {
        **function_environment,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_READ_TIMEOUT_S": os.environ.get("AWS_READ_TIMEOUT_S", "60"),
        # As in this process (``local.stack.provision``): webhook endpoints on http://127.0.0.1
        # may be registered; deliveries leave from this process, where the receiver is.
        "WEBHOOK_ALLOW_LOCAL_HTTP": os.environ.get("WEBHOOK_ALLOW_LOCAL_HTTP", "1"),
    }
    return {"Parameters": values}


def env_file_path(port: int, work_dir: Path = WORK_DIR) -> Path:
    """``env.json`` for the documented port (README: ``sam local invoke --env-vars``), its own
    file for any other: two stacks at once (two pytest workers') must not point each other's
    containers at their moto."""
    return work_dir / ("env.json" if port == DEFAULT_PORT else f"env-{port}.json")


def write_json(path: Path, payload: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


# -- Docker -------------------------------------------------------------------------------------


def prepare_image(arch: str) -> int:
    """Docker running and the python3.12 base image tagged (``scripts/sam-base-image.sh``, whose
    progress and, where Docker cannot be had, one line saying so go to stderr); its exit code."""
    result = subprocess.run(
        [str(IMAGE_SCRIPT), "--install-docker"],
        env={**os.environ, "SAM_ARCH": arch},
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode


def bridge_gateway() -> str:
    """The address of the Docker bridge on this host, which containers reach it by."""
    inspected = subprocess.run(
        ["docker", "network", "inspect", "bridge"],
        capture_output=True,
        text=True,
        check=True,
    )
    for config in json.loads(inspected.stdout)[0].get("IPAM", {}).get("Config") or []:
        if config.get("Gateway"):
            return str(config["Gateway"])
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True, text=True, check=True
    )
    return shown.stdout.split()[3].split("/")[0]


# -- SAM CLI ------------------------------------------------------------------------------------


def _sam_environment() -> dict[str, str]:
    """SAM CLI passes its own credentials and region to the containers: moto's fake ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "SAM_CLI_TELEMETRY": "0",
            "SAM_CLI_CONTAINER_CONNECTION_TIMEOUT": "60",
        }
    )
    python = Path(sys.executable).resolve().parent
    env["PATH"] = f"{python}{os.pathsep}{env.get('PATH', '')}"  # sam build needs python3.12
    return env


def build(arch: str, work_dir: Path = WORK_DIR) -> Path:
    """``sam build`` of the template copy for ``arch`` (cached); the built template's path.

    One build at a time (a lock file in ``work_dir``): two SAM stacks starting together, as two
    pytest workers' may, would otherwise write the same build directory at once and fail.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    with (work_dir / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(arch, work_dir)


def _build(arch: str, work_dir: Path) -> Path:
    source = write_json(work_dir / "template.json", local_template())
    build_dir = work_dir / f"build-{arch}"
    command = [
        str(SAM),
        "build",
        "--template-file",
        str(source),
        "--build-dir",
        str(build_dir),
        "--cache-dir",
        str(work_dir / f"cache-{arch}"),
        "--cached",
        "--parallel",
        "--parameter-overrides",
        f"Architecture={arch}",
    ]
    result = subprocess.run(
        command, env=_sam_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"sam build failed:\n{result.stdout}\n{result.stderr}")
    return build_dir / "template.yaml"


def start_api_command(built: Path, env_file: Path, arch: str, host: str, port: int) -> list[str]:
    return [
        str(SAM),
        "local",
        "start-api",
        "--template-file",
        str(built),
        "--env-vars",
        str(env_file),
        "--parameter-overrides",
        f"Architecture={arch}",
        "--host",
        host,
        "--port",
        str(port),
        "--region",
        REGION,
        "--skip-pull-image",
        "--warm-containers",
        "LAZY",
        "--no-watch",
    ]


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sam local start-api exited with {process.returncode}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)  # polling SAM CLI's port, bounded by the deadline above
    raise RuntimeError(f"sam local start-api did not listen on {host}:{port}")


def remove_containers(endpoint: str) -> int:
    """Remove the function containers SAM CLI left behind (it does not always, on Ctrl-C): only
    this run's, told apart by the moto endpoint they were given."""
    listed = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=sam.cli.container.type=lambda"],
        capture_output=True,
        text=True,
        check=False,
    )
    ours = [
        container
        for container in listed.stdout.split()
        if f"AWS_ENDPOINT_URL={endpoint}" in _container_env(container)
    ]
    if ours:
        subprocess.run(["docker", "rm", "-f", *ours], capture_output=True, check=False)
    return len(ours)


def _container_env(container: str) -> list[str]:
    inspected = subprocess.run(
        ["docker", "inspect", "--format", "{{json .Config.Env}}", container],
        capture_output=True,
        text=True,
        check=False,
    )
    if inspected.returncode != 0:
        return []  # already gone
    env: list[str] = json.loads(inspected.stdout)
    return env


@contextmanager
def sam_api(
    command: Sequence[str], env: Mapping[str, str], container_endpoint: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Run SAM CLI (its output is ours) until exit; stopped with SIGINT, as Ctrl-C does, and
    its containers removed."""
    process = subprocess.Popen(list(command), env=dict(env), cwd=ROOT)
    try:
        host, port = command[command.index("--host") + 1], int(command[command.index("--port") + 1])
        _wait_for_port(host, port, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        remove_containers(container_endpoint)


# -- AWS side -----------------------------------------------------------------------------------


@contextmanager
def local_aws(
    prefix: str, namespace: str, bridge: str
) -> Iterator[tuple[str, str, dict[str, str], str]]:
    """moto on loopback (this process, moto's engine) and on the bridge (the containers), the
    template's resources, the workflows running; ``(endpoint, container endpoint, names, key)``.
    """
    from moto.server import ThreadedMotoServer

    from local import engine
    from local.gateway import Gateway

    with ExitStack() as stack:
        endpoint, _ = stack.enter_context(moto_server())
        # Same process, same backends: the containers see exactly this moto's data.
        bridged = ThreadedMotoServer(ip_address=bridge, port=_free_port(bridge), verbose=False)
        bridged.start()
        stack.callback(bridged.stop)
        _, bridged_port = bridged.get_host_and_port()
        names, key = provision(prefix, namespace)
        # The training steps, the reconciler and the stream consumers run here, as with
        # `make local`: moto's engine calls them in this process.
        stack.enter_context(engine.running(names, Gateway().pools, prefix))
        yield endpoint, f"http://{bridge}:{bridged_port}", names, key


# -- main ---------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.sam_local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address SAM CLI serves on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port of the API (0: a free one)"
    )
    parser.add_argument("--namespace", default="demo", help="namespace of the demo key")
    parser.add_argument("--prefix", default="u22a8-local", help="prefix of the physical names")
    parser.add_argument(
        "--arch",
        type=architecture,
        default=architecture(platform.machine()),
        help="x86_64 or arm64 (or aarch64); default: this machine's",
    )
    parser.add_argument("--ready-file", type=Path, help="write URL and demo key here when up")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="prepare Docker, the base image and the build (all cached), then exit",
    )
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def sam_banner(info: StackInfo) -> str:
    """``make local``'s banner, less the documentation page (SAM CLI serves only the routes)."""
    lines = banner(info).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("Docs ")) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    # moto's server logs every AWS call at INFO; the functions' own logs are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    prepared = prepare_image(args.arch)
    if prepared != 0:
        return prepared
    print(f"Building the functions for {args.arch} (sam build, cached) ...", flush=True)
    built = build(args.arch)
    if args.prepare_only:
        return 0
    port = args.port or _free_port(args.host)
    running = ExitStack()
    code = 0
    try:
        aws = running.enter_context(local_aws(args.prefix, args.namespace, bridge_gateway()))
        endpoint, container_endpoint, names, key = aws
        env_file = write_json(
            env_file_path(port), env_vars(function_environment(names), container_endpoint)
        )
        command = start_api_command(built, env_file, args.arch, args.host, port)
        print("Starting sam local start-api ...", flush=True)
        process = running.enter_context(sam_api(command, _sam_environment(), container_endpoint))
        url = f"http://{args.host}:{port}"
        announce(url, key, args.namespace, endpoint, names, args.ready_file, sam_banner)
        code = process.wait()  # until Ctrl-C (KeyboardInterrupt), or SAM CLI ends by itself
        print(f"sam local start-api ended by itself (exit code {code}).", file=sys.stderr)
        code = code or 1
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while stopping must not turn a clean stop into a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        running.close()  # SAM CLI and its containers, then the workflows and moto
    print("Stopped.", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
