"""The template's actions over real telnet: moving interrupts digging, brewing refuses it."""

from __future__ import annotations

from pathlib import Path

from support.cli_harness import make_game, new_player, started


async def test_dig_is_interrupted_by_walking_and_brew_refuses_it(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with started(game) as status:
        ann = await new_player(status["telnet_port"], "ann")
        try:
            await ann.expect("Exits: north")
            ann.send("dig")
            await ann.expect("You start digging...")
            ann.send("dig")
            await ann.expect("You are busy digging (type 'stop' to stop).")
            ann.send("say still digging")
            await ann.expect('You say, "still digging"')  # say runs alongside
            ann.send("north")
            moved = await ann.expect("Exits:")
            assert "You climb out of the half-dug hole (you did 'north')." in moved
            assert moved.index("You climb out") < moved.index("Exits:")

            ann.send("brew tea")
            await ann.expect("You start brewing tea...")
            ann.send("south")
            await ann.expect("You are busy brewing tea; stay by the pot (or stop).")
            ann.send("stop")
            await ann.expect("You pour the half-brewed tea away.")
            ann.send("stop")
            await ann.expect("You are not busy with anything.")
        finally:
            await ann.close()
