"""The link's defences against other local users: a shared secret, private socket and folder."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ember.link import (
    HandshakeError,
    LinkClosedError,
    LinkConnection,
    LinkStream,
    Message,
    connect_link,
    serve_link,
    socket_path_for,
)

pytestmark = pytest.mark.timeout(60)
SECRET = "s3cret-for-this-start"


def test_the_game_shows_the_secret_and_the_portal_checks_it() -> None:
    for shown, accepted in ((SECRET, True), (None, False), ("guess", False)):
        portal = LinkConnection(role="portal", secret=SECRET)
        game = LinkConnection(role="game", secret=shown)
        game.receive(portal.hello())
        events = portal.receive(game.hello())
        assert portal.handshake_done is accepted
        if not accepted:
            (event,) = events
            assert isinstance(event, HandshakeError)
            assert "did not carry the link secret" in str(event)


def test_the_portal_never_sends_the_secret() -> None:
    assert SECRET.encode() not in LinkConnection(role="portal", secret=SECRET).hello()
    assert SECRET.encode() in LinkConnection(role="game", secret=SECRET).hello()


@pytest.fixture
def zero_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


async def test_a_zero_umask_still_makes_the_socket_private(
    tmp_path: Path, zero_umask: None
) -> None:
    path = tmp_path / "link.sock"

    async def nothing(stream: LinkStream) -> None:
        pass

    server = await serve_link(path, "portal", nothing)
    try:
        info = os.lstat(path)
        assert stat.S_ISSOCK(info.st_mode)
        assert stat.S_IMODE(info.st_mode) & 0o077 == 0, oct(info.st_mode)
    finally:
        server.close()
        await server.wait_closed()


async def test_a_client_without_the_secret_is_refused_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "link.sock"
    served: list[LinkStream] = []

    async def serve(stream: LinkStream) -> None:
        served.append(stream)
        async for message in stream:
            await stream.send(message)

    server = await serve_link(path, "portal", serve, secret=SECRET)
    try:
        with caplog.at_level(logging.WARNING, logger="ember.link"):
            intruder = await connect_link(path, "game")  # gets the portal's hello, then EOF
            with pytest.raises(LinkClosedError):
                await intruder.receive()
            intruder.close()
        assert not served
        assert "did not carry the link secret" in caplog.text
        async with await connect_link(path, "game", secret=SECRET) as game:
            await game.send(Message("ping"))
            assert await game.receive() == Message("ping")
        assert len(served) == 1
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("planted", ["symlink", "file", "other-owner"])
def test_a_planted_tmp_folder_neither_intercepts_nor_blocks_the_link(
    tmp_path: Path, planted: str
) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir()
    game_dir = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    game_dir.mkdir(parents=True)
    squatted = shared / f"ember-{os.getuid()}"
    if planted == "symlink":
        (tmp_path / "elsewhere").mkdir()
        squatted.symlink_to(tmp_path / "elsewhere")
    elif planted == "file":
        squatted.write_text("")
    else:
        if os.getuid() != 0:
            pytest.skip("making a folder owned by another user needs root")
        squatted.mkdir(mode=0o777)
        os.chown(squatted, 65534, 65534)
    path = socket_path_for(game_dir, shared_tmp=shared)
    assert path.parent != squatted and path.parent.parent == shared
    info = os.lstat(path.parent)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o700
