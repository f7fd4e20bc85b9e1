"""``outpost batch scheduler`` and ``outpost batch worker``: a Dask cluster made of Outpost alone.

Both run inside Outpost's own Python (the venv or the installed bundle), so that a clinic's machines
need nothing else installed to join a cluster:

- ``outpost batch scheduler [--host 127.0.0.1] [--port 8786]`` starts a ``dask.distributed``
  scheduler (no dashboard). It listens on loopback unless told otherwise: give ``--host`` a
  private address of a trusted network (or use TLS) to let other machines in.
- ``outpost batch worker --scheduler tcp://HOST:PORT [--nthreads 1]`` starts one Dask worker in this
  process (no nanny: the process is the worker), each of whose threads keeps one isolated AI
  engine (:func:`ai.batch.dask_executor.worker_engine`) for all its series.

Both stop cleanly on Ctrl+C or SIGTERM. :func:`register_cluster_commands` adds them to
``outpost batch``'s subcommands.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ai.batch.dask_executor import ClusterError, check_address, close_engines, import_distributed
from ai.errors import first_line

log = logging.getLogger(__name__)

#: Dask's usual scheduler port.
DEFAULT_PORT = 8786
#: Seconds a worker waits for its scheduler before it gives up.
WORKER_CONNECT_TIMEOUT_S = 60.0


def register_cluster_commands(
        batch_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scheduler`` and ``worker`` to ``outpost batch``'s subcommands (handlers in ``handler``)."""
    scheduler = batch_subparsers.add_parser(
        "scheduler", help="start a Dask scheduler for batches on several machines (see docs/user/batch.md)",
        description="Start a dask.distributed scheduler in Outpost's Python. Anyone who reaches it can run "
                    "code on its workers: keep it on a trusted network, or use TLS.")
    scheduler.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default 127.0.0.1: this machine only)")
    scheduler.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    _tls_options(scheduler)
    scheduler.set_defaults(handler=command_scheduler)

    worker = batch_subparsers.add_parser(
        "worker", help="join a Dask cluster as a worker that runs Outpost's packs",
        description="Start a dask.distributed worker in Outpost's Python; it runs batch series on this "
                    "machine's GPU or CPU. Inputs and the batch folder must be at the same paths here.")
    worker.add_argument("--scheduler", required=True, metavar="ADDRESS", help="tcp://HOST:PORT of the scheduler")
    worker.add_argument("--nthreads", type=int, default=1,
                        help="series run at once by this worker (default 1; each has its own AI process)")
    worker.add_argument("--name", default=None, help="the worker's name on the cluster (default: its address)")
    worker.add_argument("--host", default=None,
                        help="address this worker listens on for the scheduler (default: the one facing it)")
    _tls_options(worker)
    worker.set_defaults(handler=command_worker)


def _tls_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TLS (a tls:// scheduler address; all three, or none)")
    group.add_argument("--tls-ca-file", metavar="PEM", help="the certificate authority that signed every node")
    group.add_argument("--tls-cert", metavar="PEM", help="this node's certificate")
    group.add_argument("--tls-key", metavar="PEM", help="this node's private key")


def security_from(args: argparse.Namespace) -> Any:
    """A ``distributed.Security`` from the TLS options, or ``None`` (Dask's configuration applies)."""
    given = [args.tls_ca_file, args.tls_cert, args.tls_key]
    if not any(given):
        return None
    if not all(given):
        raise ClusterError("TLS needs --tls-ca-file, --tls-cert and --tls-key together")
    distributed = import_distributed()
    return distributed.Security(tls_ca_file=args.tls_ca_file, tls_client_cert=args.tls_cert,
                                tls_client_key=args.tls_key, tls_scheduler_cert=args.tls_cert,
                                tls_scheduler_key=args.tls_key, tls_worker_cert=args.tls_cert,
                                tls_worker_key=args.tls_key, require_encryption=True)


def _set_once(future: asyncio.Future[int], value: int) -> None:
    """Give ``future`` its result unless it has one."""
    if not future.done():
        future.set_result(value)


async def _until_signal_or(finished: asyncio.Future[Any]) -> int | None:
    """Wait until ``finished`` is done or SIGINT/SIGTERM arrives; return the signal's number, if one came."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[int] = loop.create_future()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows; not the main thread
            loop.add_signal_handler(signum, _set_once, received, signum)
            installed.append(signum)
    try:
        done, _ = await asyncio.wait([received, finished], return_when=asyncio.FIRST_COMPLETED)
        return received.result() if received in done else None
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def _serve(make: Callable[[], Any], failed: Callable[[BaseException], ClusterError],
                 started: Callable[[Any], str], what: str, close_arguments: dict[str, Any]) -> None:
    """Start a Dask server (scheduler or worker) made by ``make``, say so, and serve until a signal or its end.

    ``failed`` turns a start that failed (cannot listen, cannot reach the scheduler) into the one-line
    error; ``started`` is the line printed once it serves.
    """
    server = make()
    try:
        await server
    except (OSError, TimeoutError) as e:
        raise failed(e) from None
    print(started(server), flush=True)
    try:
        signum = await _until_signal_or(asyncio.ensure_future(server.finished()))
        if signum is not None:
            log.info("%s stopping on signal %s", what, signum)
    finally:
        await server.close(**close_arguments)


def command_scheduler(args: argparse.Namespace) -> int:
    """``outpost batch scheduler``: serve until Ctrl+C or SIGTERM."""
    distributed = import_distributed()
    security = security_from(args)
    protocol = "tls" if security is not None else "tcp"

    def make() -> Any:
        return distributed.Scheduler(host=args.host, port=args.port, protocol=protocol, security=security,
                                     dashboard=False, dashboard_address=None)

    def failed(error: BaseException) -> ClusterError:
        return ClusterError(f"cannot listen on {args.host}:{args.port}: {first_line(error)}")

    def started(scheduler: Any) -> str:
        return (f"Dask scheduler for Outpost at {scheduler.address}; start workers with: "
                f"outpost batch worker --scheduler {scheduler.address}")

    serve = _serve(make, failed, started, "scheduler", {})
    asyncio.run(serve)
    return 0


def _share_cores(engines: int) -> None:
    """Let each of this worker's ``engines`` AI processes use its share of the cores, unless the user said.

    torch uses every core in each process by default; two or more processes on the same cores then
    spin against each other (a batch on 2 cores ran 5 times slower with 2 processes than with 1).
    The AI processes inherit ``OMP_NUM_THREADS``, which torch reads when it is imported.
    """
    if "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // max(1, engines)))


class _EngineTeardown:
    """A worker plugin: stop this process's AI engines when the worker closes."""

    name = "outpost-engines"

    def setup(self, worker: Any) -> None:
        """Nothing to do until the first task (the engine starts then)."""

    def teardown(self, worker: Any) -> None:
        """Close the engines."""
        close_engines()


def command_worker(args: argparse.Namespace) -> int:
    """``outpost batch worker``: one Dask worker in this process until Ctrl+C, SIGTERM or the scheduler's end."""
    distributed = import_distributed()
    address = check_address(args.scheduler)
    if args.nthreads < 1:
        raise ClusterError("--nthreads must be 1 or more")
    security = security_from(args)
    _share_cores(args.nthreads)
    plugin_class = type("OutpostEngineTeardown", (_EngineTeardown, distributed.WorkerPlugin), {})

    def make() -> Any:
        return distributed.Worker(address, nthreads=args.nthreads, name=args.name, host=args.host,
                                  security=security, dashboard=False, plugins=(plugin_class(),),
                                  death_timeout=WORKER_CONNECT_TIMEOUT_S)

    def failed(error: BaseException) -> ClusterError:
        return ClusterError(f"cannot reach the Dask scheduler at {address} ({first_line(error)}): "
                            "is 'outpost batch scheduler' running there?")

    def started(worker: Any) -> str:
        return f"Outpost worker {worker.name} at {worker.address} joined {address} with {args.nthreads} thread(s)"

    serve = _serve(make, failed, started, "worker", {"reason": "outpost batch worker stopped"})
    try:
        asyncio.run(serve)
    finally:
        close_engines()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m ai.batch.cluster scheduler|worker ...`` (the same commands outside ``outpost batch``)."""
    parser = argparse.ArgumentParser(prog="python -m ai.batch.cluster")
    register_cluster_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except ClusterError as e:
        print(f"outpost: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    from viewer.core.logs import configure_logging

    configure_logging()
    sys.exit(main())
