"""Start-up failures say why in one line, and `ember doctor` checks and sets aside a damaged
database file keeping a copy (issue 10 item 5)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from support.cli_harness import aember, make_game

PASSWORD = "long-password-1"
DAMAGED = b"this is not an SQLite database, whatever its name says. " * 200


async def test_a_damaged_database_file_is_named_and_set_aside(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    database = game / "server" / "ember.db"
    database.write_bytes(DAMAGED)

    code, out, err = await aember("start", cwd=game)
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"the account database {database} is damaged" in err and "ember doctor" in err

    code, out, err = await aember("account", "create", "ann", cwd=game, stdin=PASSWORD + "\n")
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "is damaged" in err

    code, out, err = await aember("doctor", cwd=game)
    assert code == 1 and "Problem: file is not a database" in out
    assert "--set-aside" in out and database.read_bytes() == DAMAGED  # checking changes nothing

    code, out, err = await aember("doctor", "--set-aside", cwd=game)
    assert code == 0, out + err
    copies = list(database.parent.glob("ember.db.damaged-*"))
    assert len(copies) == 1 and copies[0].read_bytes() == DAMAGED  # the copy is kept
    assert not database.exists()

    code, out, err = await aember("account", "create", "ann", cwd=game, stdin=PASSWORD + "\n")
    assert code == 0, err
    code, out, err = await aember("doctor", cwd=game)
    assert code == 0 and "passes integrity_check" in out, out


@pytest.mark.postgres
async def test_a_missing_postgres_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    admin = os.environ.get("EMBER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
    missing = f"ember_missing_{uuid.uuid4().hex[:8]}"
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write(f'DATABASE = "{admin.rsplit("/", 1)[0]}/{missing}"\n')
    code, out, err = await aember("doctor", cwd=game)
    if "cannot reach the PostgreSQL server" in out:
        if os.environ.get("EMBER_REQUIRE_POSTGRES") == "1":
            pytest.fail(out)
        pytest.skip("PostgreSQL not available")
    assert code == 1 and f"the PostgreSQL database '{missing}' does not exist" in out, out
    code, out, err = await aember("start", cwd=game)
    assert code == 1
    assert f"'{missing}' does not exist" in err and f"createdb {missing}" in err, err
    assert "Traceback" not in err
