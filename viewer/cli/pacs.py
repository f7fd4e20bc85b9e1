"""``outpost pacs``, ``outpost receive`` and ``outpost store``: the scriptable face of viewer.pacs.

:func:`register` adds the commands to the ``outpost`` parser. NODE is the name
of a configured node (``outpost pacs node add``) or an address ``AET@host:port``.
Settings live in ``<user data dir>/pacs.json``; the store in ``<user data dir>/store``
unless ``--store`` says otherwise.

Every value a PACS sent is shown escaped (:func:`viewer.core.text.printable`): an
escape sequence, a carriage return or a line break in a patient name or a
description can neither clear the screen nor forge a line of output.

``outpost pacs find --json`` prints::

    {"version": 1, "node": "<name and address, no credentials>", "protocol": "dimse" | "dicomweb",
     "level": "STUDY" | "SERIES", "matches": [<StudyMatch or SeriesMatch fields>, ...]}
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
from typing import Any

from viewer.cli.terminal import TerminalProgress
from viewer.core.errors import OutpostError
from viewer.core.files import format_size

#: Version of the ``outpost store list --json`` document.
STORE_JSON_VERSION = 1
#: Environment variable read for a DICOMweb password (``outpost pacs node add --user``).
PASSWORD_ENV = "OUTPOST_DICOMWEB_PASSWORD"


def _settings():
    from viewer.pacs.nodes import PacsSettings

    return PacsSettings()


def _local(settings, args: argparse.Namespace):
    """Outpost's local settings, with ``--aet`` applied."""
    from dataclasses import replace

    from viewer.pacs.nodes import validate_ae_title

    local = settings.local
    if getattr(args, "aet", None):
        local = replace(local, ae_title=validate_ae_title(args.aet))
    return local


def _store(args: argparse.Namespace):
    from viewer.pacs.store import LocalStore

    return LocalStore(args.store) if getattr(args, "store", None) else LocalStore()


def _protocol(node, web: bool) -> str:
    """``"dicomweb"`` when asked (or the node has only DICOMweb), else ``"dimse"``."""
    if web or (node.has_dicomweb and not node.has_dimse):
        if not node.has_dicomweb:
            raise OutpostError(f"{node.describe()} has no DICOMweb URL")
        return "dicomweb"
    return "dimse"


# --------------------------------------------------------------------------- pacs
def command_echo(args: argparse.Namespace) -> int:
    """C-ECHO a node."""
    from viewer.pacs import dimse

    settings = _settings()
    node = settings.resolve(args.node)
    elapsed = dimse.echo(node, _local(settings, args))
    print(f"{node.describe()}: echo OK ({elapsed * 1000:.0f} ms)")
    return 0


def _query(args: argparse.Namespace):
    from viewer.pacs.query import FindQuery, parse_date_range

    date_from = date_to = ""
    if args.date:
        date_from, date_to = parse_date_range(args.date)
    level = "SERIES" if args.study and args.level is None else (args.level or "STUDY")
    return FindQuery(level=level, patient_name=args.patient_name or "", patient_id=args.patient_id or "",
                     date_from=date_from, date_to=date_to, modality=args.modality or "",
                     accession_number=args.accession or "", study_uid=args.study or "")


def _shown(facts: dict[str, Any]) -> dict[str, Any]:
    """A match's fields with every text from the PACS escaped for the terminal."""
    from viewer.core.text import printable

    return {key: printable(value) if isinstance(value, str)
            else [printable(item) for item in value] if isinstance(value, list) else value
            for key, value in facts.items()}


def command_find(args: argparse.Namespace) -> int:
    """C-FIND (or QIDO-RS) studies or series."""
    from viewer.pacs.query import FIND_JSON_VERSION

    settings = _settings()
    node = settings.resolve(args.node)
    query = _query(args)
    protocol = _protocol(node, args.web)
    if protocol == "dicomweb":
        from viewer.pacs.dicomweb import search

        matches = search(node, query, _local(settings, args))
    else:
        from viewer.pacs.dimse import find

        matches = find(node, query, _local(settings, args))
    if args.json:
        print(json.dumps({"version": FIND_JSON_VERSION, "node": node.describe(), "protocol": protocol,
                          "level": query.level, "matches": [m.as_dict() for m in matches]}, indent=2))
        return 0
    if not matches:
        print("no matches")
    for match in matches:
        facts = _shown(match.as_dict())  # JSON above escapes control characters itself
        if query.level == "STUDY":
            count = "?" if facts["instance_count"] is None else facts["instance_count"]
            print(f"{facts['study_uid']}  {facts['study_date'] or '--------'}  {facts['patient_id']:<16} "
                  f"{facts['patient_name']:<24} {','.join(facts['modalities']) or '--':<8} {count:>5} inst  "
                  f"{facts['accession_number']}  {facts['study_description']}")
        else:
            count = "?" if facts["instance_count"] is None else facts["instance_count"]
            number = "" if facts["series_number"] is None else facts["series_number"]
            print(f"{facts['series_uid']}  {facts['modality'] or '--':<6} #{number:<4} {count:>5} inst  "
                  f"{facts['series_description']}")
    return 0


def command_retrieve(args: argparse.Namespace) -> int:
    """Retrieve a study or series into the local store (C-GET, C-MOVE or WADO-RS)."""
    settings = _settings()
    node = settings.resolve(args.node)
    local = _local(settings, args)
    method = args.method or ("wado" if _protocol(node, False) == "dicomweb" else "get")
    progress = TerminalProgress("retrieving")
    with _store(args) as store:
        try:
            if method == "wado":
                from viewer.pacs.dicomweb import retrieve

                result = retrieve(node, args.study, args.series, store=store, local=local, progress=progress)
            elif method == "move":
                from viewer.pacs.dimse import move

                result = move(node, args.study, args.series, store=store, local=local, progress=progress)
            else:
                from viewer.pacs.dimse import get

                result = get(node, args.study, args.series, store=store, local=local, progress=progress)
        finally:
            progress.close()
        print(f"retrieved {len(result.instances)} instance(s) from {node.describe()} by {method.upper()} "
              f"({result.added} new) into {store.root}")
    status = 0
    if result.unrequested:
        print(f"warning: the PACS also sent {result.unrequested} instance(s) of another study or series; "
              "refused, not stored", file=sys.stderr)
        status = 1
    if result.failed:
        print(f"warning: the PACS reported {result.failed} failed sub-operation(s)", file=sys.stderr)
        status = 1
    return status


def command_send(args: argparse.Namespace) -> int:
    """C-STORE (or STOW-RS) local files to a node."""
    settings = _settings()
    node = settings.resolve(args.node)
    for path in args.paths:
        if not os.path.exists(path):
            raise OutpostError(f"no such file or folder: {path}")
    progress = TerminalProgress("sending")
    try:
        if _protocol(node, args.web) == "dicomweb":
            from viewer.pacs.dicomweb import store_files

            result = store_files(node, args.paths, _local(settings, args), progress=progress)
        else:
            from viewer.pacs.dimse import send

            result = send(node, args.paths, _local(settings, args), progress=progress)
    finally:
        progress.close()
    print(f"sent {result.sent} instance(s) to {node.describe()}"
          + (f" ({result.warnings} with warnings)" if result.warnings else ""))
    for source, reason in result.failed:
        print(f"  not sent: {source}: {reason}", file=sys.stderr)
    return 1 if result.failed else 0


def command_node(args: argparse.Namespace) -> int:
    """List, add or remove configured nodes."""
    from viewer.pacs.nodes import Node, parse_address

    settings = _settings()
    if args.action == "list":
        if not settings.nodes:
            print(f"no nodes configured ({settings.path})")
        for name, node in sorted(settings.nodes.items()):
            print(f"{name:<16} {node.describe()}" + (f", user {node.username}" if node.username else "")
                  + (", credentials over http allowed" if node.allow_http_credentials else ""))
        return 0
    if not args.name:
        raise OutpostError(f"'outpost pacs node {args.action}' needs a NAME")
    if args.action == "remove":
        settings.remove(args.name)
        settings.save()
        print(f"removed node {args.name}")
        return 0
    fields: dict[str, Any] = {}
    if args.address:
        address = parse_address(args.address)
        fields.update(ae_title=address.ae_title, host=address.host, port=address.port)
    password = ""
    if args.user:
        password = os.environ.get(PASSWORD_ENV, "")
        if not password and sys.stdin.isatty():
            password = getpass.getpass(f"DICOMweb password for {args.user}: ")
    if args.max_matches is not None:
        fields["max_matches"] = args.max_matches
    node = Node(name=args.name, tls=args.tls, tls_ca_file=args.ca or "", dicomweb_url=args.url or "",
                username=args.user or "", password=password, allow_http_credentials=args.allow_http_credentials,
                **fields)
    settings.add(node)
    settings.save()
    print(f"saved node {node.describe()}")
    if node.password:
        print(f"its password is kept in {settings.credentials.description}, not in {settings.path}")
    if node.username and node.dicomweb_url.startswith("http:") and not node.allow_http_credentials:
        print("warning: its credentials will not be sent over plain http:// (use https://, or "
              "--allow-http-credentials)", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- receive
def _receiver_settings(settings, args: argparse.Namespace):
    """``pacs.json``'s receiver section with ``--allow``, ``--max-instance-mb`` and ``--min-free-mb`` applied."""
    from dataclasses import replace

    overrides = {name: value for name, value in (("allowed_callers", args.allow),
                                                 ("max_instance_mb", args.max_instance_mb),
                                                 ("min_free_disk_mb", args.min_free_mb)) if value is not None}
    return replace(settings.receiver, **overrides)


def command_receive(args: argparse.Namespace) -> int:
    """Run the storage SCP in the foreground, printing each arrival, until interrupted."""
    from viewer.core.dicom.headers import sop_class_name
    from viewer.core.text import printable
    from viewer.pacs.nodes import validate_port
    from viewer.pacs.receiver import Arrival, Receiver

    settings = _settings()
    local = _local(settings, args)
    receiver_settings = _receiver_settings(settings, args)
    host = args.host or local.receiver_host
    port = local.receiver_port if args.port is None else (validate_port(args.port) if args.port else 0)
    lock = threading.Lock()

    def on_arrival(arrival: Arrival) -> None:
        instance = arrival.instance
        note = (" (a different instance with this UID is already stored: kept apart in conflicts/)"
                if instance.conflict else " (already in the store)" if instance.duplicate else "")
        with lock:
            print(f"received {sop_class_name(instance.sop_class_uid)} {printable(instance.sop_uid)} "
                  f"from {printable(arrival.calling_ae)}, study {printable(instance.study_uid)}{note}", flush=True)

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        with _store(args) as store:
            receiver = Receiver(store, ae_title=local.ae_title, host=host, port=port,
                                on_arrival=on_arrival, timeouts=local.timeouts, settings=receiver_settings)
            receiver.start()
            print(f"receiving as {local.ae_title} on {host}:{receiver.port} into {store.root} "
                  f"from {receiver.describe_callers()} (Ctrl-C to stop)", flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                receiver.stop()
            print(f"stopped: {receiver.received} received, {receiver.rejected} rejected", flush=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


# --------------------------------------------------------------------------- store
def command_store(args: argparse.Namespace) -> int:
    """List, import into, or delete from the local study store."""
    with _store(args) as store:
        if args.action == "list":
            studies = store.studies()
            if args.json:
                print(json.dumps({"version": STORE_JSON_VERSION, "root": str(store.root),
                                  "size_bytes": store.disk_usage(),
                                  "studies": [s.as_dict() for s in studies]}, indent=2))
                return 0
            if not studies:
                print(f"the store at {store.root} is empty")
            for study in studies:
                print(f"{study.study_uid}  {study.study_date or '--------'}  {study.patient_id:<16} "
                      f"{study.patient_name:<24} {','.join(study.modalities) or '--':<8} "
                      f"{study.series_count:>3} series {study.instance_count:>5} inst "
                      f"{format_size(study.size_bytes):>10}  {study.description}")
            return 0
        if not args.targets:
            needed = "PATH" if args.action == "import" else "STUDY"
            raise OutpostError(f"'outpost store {args.action}' needs {needed}")
        if args.action == "import":
            for path in args.targets:
                if not os.path.exists(path):
                    raise OutpostError(f"no such file or folder: {path}")
            progress = TerminalProgress("importing")
            try:
                result = store.import_paths(args.targets, progress=progress)
            finally:
                progress.close()
            print(f"imported {len(result.added)} instance(s) into {store.root} "
                  f"({len(result.duplicates)} already there, {len(result.skipped)} file(s) skipped)")
            return 0 if result.added or result.duplicates else 1
        for key in args.targets:
            study_uid = store.find_study(key)
            freed = store.delete_study(study_uid)
            print(f"deleted study {study_uid} ({format_size(freed)})")
        return 0


# --------------------------------------------------------------------------- parser
def _add_aet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--aet", metavar="AET", help="Outpost's AE title (default: from the settings, OUTPOST)")


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="DIR", help="the study store folder (default: <user data dir>/store)")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``pacs``, ``receive`` and ``store`` to the ``outpost`` parser.

    Parameters
    ----------
    commands
        The sub-parsers action of the ``outpost`` parser; each command sets ``handler``.
    """
    pacs = commands.add_parser("pacs", help="talk to a PACS: echo, find, retrieve, send, node")
    pacs_commands = pacs.add_subparsers(dest="pacs_command", metavar="COMMAND", required=True)

    echo = pacs_commands.add_parser("echo", help="C-ECHO a node")
    echo.add_argument("node", metavar="NODE", help="a configured node name or AET@host:port")
    _add_aet(echo)
    echo.set_defaults(handler=command_echo)

    find = pacs_commands.add_parser("find", help="find studies (or the series of a study)")
    find.add_argument("node", metavar="NODE")
    find.add_argument("--level", type=str.upper, choices=["STUDY", "SERIES"],
                      help="STUDY (default) or SERIES (with --study)")
    find.add_argument("--study", metavar="UID", help="the study whose series to list")
    find.add_argument("--patient-name", metavar="NAME", help="patient name, wildcards * and ? allowed")
    find.add_argument("--patient-id", metavar="ID")
    find.add_argument("--date", metavar="RANGE", help="study date YYYYMMDD or range YYYYMMDD-YYYYMMDD")
    find.add_argument("--modality", metavar="MOD", help="e.g. CT")
    find.add_argument("--accession", metavar="NUMBER")
    find.add_argument("--web", action="store_true", help="use QIDO-RS even if the node has a DICOM address")
    find.add_argument("--json", action="store_true", help="print a JSON document")
    _add_aet(find)
    find.set_defaults(handler=command_find)

    retrieve = pacs_commands.add_parser("retrieve", help="retrieve a study or series into the local store")
    retrieve.add_argument("node", metavar="NODE")
    retrieve.add_argument("study", metavar="STUDY_UID")
    retrieve.add_argument("--series", metavar="UID", help="only this series")
    retrieve.add_argument("--method", choices=["get", "move", "wado"],
                          help="C-GET (default for DICOM nodes), C-MOVE to Outpost's receiver, or WADO-RS")
    _add_aet(retrieve)
    _add_store(retrieve)
    retrieve.set_defaults(handler=command_retrieve)

    send = pacs_commands.add_parser("send", help="send local DICOM files (C-STORE, or STOW-RS with --web)")
    send.add_argument("node", metavar="NODE")
    send.add_argument("paths", nargs="+", metavar="PATH")
    send.add_argument("--web", action="store_true", help="use STOW-RS")
    _add_aet(send)
    send.set_defaults(handler=command_send)

    node = pacs_commands.add_parser("node", help="list, add or remove configured nodes")
    node.add_argument("action", choices=["list", "add", "remove"])
    node.add_argument("name", nargs="?", metavar="NAME")
    node.add_argument("address", nargs="?", metavar="AET@HOST:PORT")
    node.add_argument("--url", metavar="URL", help="DICOMweb base URL")
    node.add_argument("--user", metavar="USER",
                      help=f"DICOMweb basic-auth user (password from ${PASSWORD_ENV}, or asked)")
    node.add_argument("--allow-http-credentials", action="store_true",
                      help="send the DICOMweb credentials over a plain http:// URL (a warning each time)")
    node.add_argument("--max-matches", type=int, metavar="N",
                      help="refuse searches that bring back more than N matches (default 5000)")
    node.add_argument("--tls", action="store_true", help="DICOM over TLS")
    node.add_argument("--ca", metavar="FILE", help="CA certificates for TLS")
    node.set_defaults(handler=command_node)

    receive = commands.add_parser("receive", help="run the DICOM receiver (storage SCP) until interrupted")
    receive.add_argument("--aet", metavar="AET", help="the AE title to answer to (default OUTPOST)")
    receive.add_argument("--port", type=int, metavar="N", help="TCP port (default 11112; 0 picks a free one)")
    receive.add_argument("--host", metavar="ADDRESS",
                         help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    receive.add_argument("--allow", action="append", metavar="AE[@ADDRESS]",
                         help="accept only this calling AE title (from this IP address or network, if given); "
                              "repeatable; default: pacs.json's receiver.allowed_callers, else anyone")
    receive.add_argument("--max-instance-mb", type=int, metavar="N",
                         help="refuse an instance larger than N MiB while it arrives (default 2048)")
    receive.add_argument("--min-free-mb", type=int, metavar="N",
                         help="refuse to receive when less than N MiB of disk space is free (default 1024)")
    _add_store(receive)
    receive.set_defaults(handler=command_receive)

    store = commands.add_parser("store", help="the local study store: list, import, delete")
    store.add_argument("action", choices=["list", "import", "delete"])
    store.add_argument("targets", nargs="*", metavar="PATH|STUDY")
    store.add_argument("--json", action="store_true", help="print a JSON document (list)")
    _add_store(store)
    store.set_defaults(handler=command_store)
