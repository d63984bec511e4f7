"""Back up a store while it is in use, and restore a backup, so that an office can keep nightly copies without
stopping work.

- A **GeoPackage** store is copied with SQLite's online backup in one step: a consistent copy of the file as
  it was at one moment (writers wait for the copy instead of failing; a deadline stops a backup that another
  program's lock holds too long). The backup is itself
  a GeoPackage store, which QGIS opens and ``mineaction`` reads.
- A **PostGIS** store is dumped with PostgreSQL's ``pg_dump`` in its custom format, in a snapshot exported
  from a ``REPEATABLE READ`` transaction of ours, in which the rows of every table are also counted: the
  counts describe exactly what the dump holds. Writers are never held back.

A backup is written under a temporary name beside ``FILE`` and renamed when it is complete, so ``FILE`` is
either the previous file or the whole new backup; only its owner may read it (mode 0600: it holds victims'
personal data and the accounts' password hashes). A restore is one transaction on the target (the SQL of
``pg_restore`` fed to ``psql`` after our BEGIN, and COMMIT sent only once the whole archive went through; for
a GeoPackage, a copy under a temporary name put in place with SQLite's backup), so a failed restore leaves the
target as it was. A GeoPackage backup restores into a
PostGIS database too (through ``copy``); a ``pg_dump`` archive restores into PostgreSQL only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mineaction.errors import ConfigError, InputError, SchemaError, StoreError
from mineaction.store.catalog import present_tables, tables_with_rows
from mineaction.store.copy import copy_store
from mineaction.store.gpkg import GeoPackageStore
from mineaction.store.migrations import latest_version, migrate, schema_version
from mineaction.store.pgtools import connection_args, find_program, first_error, run_program
from mineaction.store.places import (
    check_replaceable,
    gpkg_path,
    install_file,
    is_postgres_url,
    is_sqlite_file,
    open_unmigrated,
    partial_path,
    replace_file,
    require_version,
    sqlite_backup,
)
from mineaction.store.postgis import redact_url
from mineaction.store.sql import SQLStore
from mineaction.store.transfer import snapshot

__all__ = ["BackupResult", "RestoreResult", "backup_format", "backup_store", "restore_store"]

_PG_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupResult:
    """A backup: of which store, into which file, how (``sqlite-backup`` or ``pg_dump``), its schema
    version, size (bytes), the rows of every table it holds, and how long it took (s)."""

    store: str
    file: str
    method: str
    schema_version: int
    size_bytes: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON types (the ``--json`` of ``mineaction backup``)."""
        return {**self.__dict__, "rows": dict(self.rows), "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class RestoreResult:
    """A restore: which file into which store, how (``sqlite-backup``, ``pg_restore`` or ``copy``), the
    backup's schema version and the store's after it, whether data was replaced, the rows of every table,
    and how long it took (s)."""

    file: str
    store: str
    method: str
    backup_version: int
    schema_version: int
    replaced: bool
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON types (the ``--json`` of ``mineaction restore``)."""
        return {**self.__dict__, "rows": dict(self.rows), "seconds": round(self.seconds, 3)}


def _row_counts(store: SQLStore) -> dict[str, int]:
    return {t: int(store.query(f'SELECT COUNT(*) FROM "{t}"')[0][0]) for t in present_tables(store)}


def backup_format(file: Path) -> str:
    """``gpkg`` (an SQLite file: a GeoPackage backup) or ``pg_dump`` (a custom-format archive); InputError
    for anything else."""
    with file.open("rb") as handle:
        head = handle.read(16)
    if is_sqlite_file(file):
        return "gpkg"
    if head.startswith(_PG_MAGIC):
        return "pg_dump"
    raise InputError(
        f"{file} is neither a GeoPackage backup nor a pg_dump custom-format archive; give a file written by "
        "`mineaction backup`"
    )


# --- backup ------------------------------------------------------------------------------------------------


def backup_store(
    store: str | Path, file: str | Path, *, overwrite: bool = False, lock_wait_s: float = 60.0
) -> BackupResult:
    """Back up the store at ``store`` (a GeoPackage path or a PostGIS URL) into ``file`` while it is in use.

    Parameters
    ----------
    store
        The store to back up; it stays readable and writable throughout.
    file
        Where the backup goes; its folder must exist.
    overwrite
        Replace an existing ``file`` (only once the new backup is complete).
    lock_wait_s
        How long to wait, in seconds, for a lock another program holds (a GeoPackage locked for writing, a
        PostgreSQL table locked exclusively by a migration) before giving up with nothing written.

    Raises
    ------
    StoreError
        ``file`` exists and ``overwrite`` is false, the store stayed locked, or ``pg_dump`` failed (nothing
        is left behind).
    SchemaError
        ``store`` holds no mineaction store, or one newer than this code.
    """
    started = time.perf_counter()
    url, target = str(store), Path(file)
    if target.exists() and not overwrite:
        raise StoreError(f"{target} exists; choose another name or add --overwrite to replace it")
    with partial_path(target) as partial:
        if is_postgres_url(url):
            version, rows = _pg_dump(url, partial, lock_wait_s=lock_wait_s)
            method = "pg_dump"
        else:
            version, rows = _sqlite_snapshot(url, partial, lock_wait_s=lock_wait_s)
            method = "sqlite-backup"
        partial.chmod(0o600)  # it holds personal data and account secrets: its owner's eyes only
        size = partial.stat().st_size
        replace_file(partial, target)
    return BackupResult(
        redact_url(url), str(target), method, version, size, rows, time.perf_counter() - started
    )


def _sqlite_snapshot(url: str, partial: Path, *, lock_wait_s: float) -> tuple[int, dict[str, int]]:
    path = gpkg_path(url)
    if path is None:
        raise ConfigError(f"{url!r} is not a GeoPackage path or a PostgreSQL URL; give the store to back up")
    if not is_sqlite_file(path):
        raise SchemaError(f"{path} is not a GeoPackage store; check the path")
    sqlite_backup(path, partial, wait_s=lock_wait_s)  # never holds the file longer than the copy itself
    with contextlib.closing(open_unmigrated(partial, check=True)) as copy:
        copy.url = url
        version = require_version(copy, "nothing to back up")
        return version, _row_counts(copy)


def _server_major(store: SQLStore) -> int:
    return int(store.query("SHOW server_version_num")[0][0]) // 10_000


def _pg_dump(url: str, partial: Path, *, lock_wait_s: float) -> tuple[int, dict[str, int]]:
    import psycopg

    wait_ms = max(1, int(lock_wait_s * 1000))
    with contextlib.closing(open_unmigrated(url)) as source:
        version = require_version(source, "nothing to back up")
        pg_dump = find_program("pg_dump", server_major=_server_major(source))
        conninfo, env = connection_args(url)
        command = [pg_dump, "--format=custom", f"--lock-wait-timeout={wait_ms}", "--no-password"]
        with snapshot(source):  # the dump and the counts see the same moment
            source.execute(f"SET LOCAL lock_timeout = {wait_ms}")
            exported = str(source.query("SELECT pg_export_snapshot()")[0][0])
            try:
                rows = _row_counts(source)
            except psycopg.errors.LockNotAvailable:
                raise StoreError(
                    f"a table of {source.url} stayed locked by another session for more than "
                    f"{lock_wait_s:g} s (a migration, a copy with --replace?); nothing was written; try again"
                ) from None
            run_program(
                [*command, f"--snapshot={exported}", "--file", str(partial), "--dbname", conninfo],
                env=env,
                what=f"pg_dump of {redact_url(url)}",
            )
    return version, rows


# --- restore -----------------------------------------------------------------------------------------------


def restore_store(file: str | Path, store: str | Path, *, replace: bool = False) -> RestoreResult:
    """Restore the backup ``file`` into ``store`` (a GeoPackage path or a PostGIS URL), in one transaction.

    Parameters
    ----------
    file
        A backup written by ``backup_store``: a GeoPackage (restores into either back end) or a ``pg_dump``
        archive (restores into PostgreSQL).
    store
        The target: a new or empty store, or any store when ``replace`` is true.
    replace
        Replace a target that holds data.

    Raises
    ------
    StoreError
        The target holds data and ``replace`` is false, or the restore failed (the target is unchanged).
    InputError
        ``file`` is not a backup.
    SchemaError
        The backup is newer than this mineaction.
    """
    started = time.perf_counter()
    source, url = Path(file), str(store)
    if not source.is_file():
        raise InputError(f"no backup at {source}; check the path")
    kind = backup_format(source)
    if kind == "pg_dump":
        if not is_postgres_url(url):
            raise ConfigError(
                f"{source} is a PostgreSQL archive: restore it into a PostgreSQL database, then "
                "`mineaction copy` that database to a GeoPackage if you need one"
            )
        result = _pg_restore(source, url, replace=replace)
    elif is_postgres_url(url):
        copied = copy_store(source, url, replace=replace)
        rows = {t.table: t.rows for t in copied.tables}
        result = RestoreResult(
            str(source), url, "copy", copied.source_version, copied.schema_version, copied.replaced, rows
        )
    else:
        result = _sqlite_restore(source, url, replace=replace)
    return dataclasses.replace(result, store=redact_url(url), seconds=time.perf_counter() - started)


def _sqlite_restore(file: Path, url: str, *, replace: bool) -> RestoreResult:
    target = gpkg_path(url)
    if target is None:
        raise ConfigError(
            f"{url!r} is not a GeoPackage path or a PostgreSQL URL; give the store to restore into"
        )
    with contextlib.closing(open_unmigrated(file, check=True)) as backup:
        backup_version = require_version(backup, "not a mineaction backup")
    held = check_replaceable(target, replace=replace)
    with partial_path(target) as partial:
        sqlite_backup(file, partial)
        with contextlib.closing(GeoPackageStore(partial, url=url)) as restored:
            migrate(restored)  # a backup from an older mineaction arrives upgraded
            version = require_version(restored, "not a mineaction backup")
            rows = _row_counts(restored)
        install_file(partial, target)
    return RestoreResult(str(file), url, "sqlite-backup", backup_version, version, held, rows)


def _archive_version(pg_restore: str, file: Path) -> int:
    """The schema version recorded in a pg_dump archive (InputError when it holds no mineaction store)."""
    done = subprocess.run(
        [pg_restore, "--data-only", "--table=mineaction_schema_version", "--file=-", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise InputError(f"{file} cannot be read as a pg_dump archive: {first_error(done.stderr)}")
    versions: list[int] = []
    column = -1
    for line in done.stdout.splitlines():
        if line.startswith("COPY "):  # COPY public.mineaction_schema_version (fid, version, ...) FROM stdin;
            names = line[line.index("(") + 1 : line.index(")")].split(", ")
            column = names.index("version")
        elif column >= 0 and line == "\\.":
            column = -1
        elif column >= 0:
            versions.append(int(line.split("\t")[column]))
    if not versions:
        raise InputError(f"{file} is a pg_dump archive but holds no mineaction store")
    if max(versions) > latest_version():
        raise SchemaError(
            f"{file} holds schema version {max(versions)} but this mineaction knows up to "
            f"{latest_version()}; upgrade mineaction to restore it"
        )
    return max(versions)


def _pg_restore(file: Path, url: str, *, replace: bool) -> RestoreResult:
    with contextlib.closing(open_unmigrated(url)) as target:
        major = _server_major(target)
        current = schema_version(target)
        if current is not None and current > latest_version():
            raise SchemaError(f"{target.url} is newer than this mineaction; upgrade mineaction first")
        held = tables_with_rows(target)
        if held and not replace:
            raise StoreError(
                f"{target.url} already holds data (tables {', '.join(held[:5])}); restore into a new or "
                "empty database, or add --replace to replace everything in it"
            )
        present = present_tables(target)
    pg_restore, psql = (
        find_program("pg_restore", server_major=major),
        find_program("psql", server_major=major),
    )
    backup_version = _archive_version(pg_restore, file)
    _replay(pg_restore, psql, file, url, drop=present)
    with contextlib.closing(open_unmigrated(url)) as restored:
        migrate(restored)  # a backup from an older mineaction arrives upgraded
        version = require_version(restored, "the restore left no mineaction store")
        rows = _row_counts(restored)
    return RestoreResult(str(file), url, "pg_restore", backup_version, version, bool(held), rows)


_SKIPPED = re.compile(r"^\d+; \d+ \d+ (EXTENSION|SCHEMA|COMMENT - EXTENSION|COMMENT - SCHEMA) ")


def _restore_list(pg_restore: str, file: Path, listing: Path) -> list[str]:
    """Write to ``listing`` the archive's table of contents without extensions and schemas (created if
    missing, never dropped: other data may use them); returns the extensions' names."""
    done = subprocess.run([pg_restore, "--list", str(file)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InputError(f"{file} cannot be read as a pg_dump archive: {first_error(done.stderr)}")
    kept, extensions = [], []
    for line in done.stdout.splitlines():
        if match := re.match(r"^\d+; \d+ \d+ EXTENSION - (\S+)", line):
            extensions.append(match.group(1))
        if not _SKIPPED.match(line):
            kept.append(line)
    listing.write_text("\n".join(kept) + "\n")
    return extensions


def _replay(pg_restore: str, psql: str, file: Path, url: str, *, drop: list[str]) -> None:
    """Replay the archive in one transaction: ``psql`` gets BEGIN, the target's store tables dropped, the
    archive as SQL (each of its objects dropped if it exists, then created and filled), and COMMIT only once
    ``pg_restore`` has written all of it; if either program fails, the transaction ends with the connection,
    rolled back."""
    conninfo, env = connection_args(url)
    with tempfile.TemporaryDirectory(prefix="mineaction-restore-") as scratch:
        listing = Path(scratch) / "objects.list"
        extensions = _restore_list(pg_restore, file, listing)
        prelude = "BEGIN;\n" + "".join(f'CREATE EXTENSION IF NOT EXISTS "{e}";\n' for e in extensions)
        prelude += "".join(f'DROP TABLE IF EXISTS "{t}" CASCADE;\n' for t in drop)
        script = [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--no-comments"]
        script += [f"--use-list={listing}", "--file=-", str(file)]
        _pipe(
            script, prelude.encode(), [psql, "--no-psqlrc", "--quiet", "--no-password"], conninfo, env, file
        )


def _pipe(
    script: list[str], prelude: bytes, psql: list[str], conninfo: str, env: dict[str, str], file: Path
) -> None:
    """Feed ``prelude`` and the output of ``script`` to ``psql`` (stopping at the first error), then COMMIT
    if ``script`` succeeded."""
    command = [*psql, "--set=ON_ERROR_STOP=1", "--file=-", "--dbname", conninfo]
    with tempfile.TemporaryFile() as dump_err, tempfile.TemporaryFile() as psql_err:
        with (
            subprocess.Popen(script, stdout=subprocess.PIPE, stderr=dump_err, env=env) as dump,
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env
            ) as replay,
        ):
            assert dump.stdout is not None and replay.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # psql stopped at an error: reported below
                replay.stdin.write(prelude)
                while block := dump.stdout.read(1 << 20):
                    replay.stdin.write(block)
                if dump.wait() == 0:
                    replay.stdin.write(b"COMMIT;\n")
                replay.stdin.close()
        for program, errors in ((replay, psql_err), (dump, dump_err)):  # psql's error is the cause
            if program.returncode != 0:
                errors.seek(0)
                message = first_error(errors.read().decode(errors="replace"))
                raise StoreError(f"restore of {file} failed, nothing was changed: {message}")
