"""A line for a whole room against a real server (ember start, portal + game processes): web,
256-colour, 16-colour and plain telnet clients in one room each get the line once, rendered
for their client, in order with their private messages (issue 14, room broadcasts)."""

from __future__ import annotations

from web_harness import PASSWORD, Client, WebGame

from ember.testing import TelnetClient


async def telnet_player(game: WebGame, name: str, terminal: str | None) -> TelnetClient:
    """A telnet client saying it is ``terminal`` (TTYPE, ``None``: no type), logged in."""
    if terminal is None:  # refuses every option, TTYPE too
        client = await TelnetClient.connect(game.telnet_port)
    else:  # agrees to TTYPE only; other requests stay unanswered
        client = await TelnetClient.connect(game.telnet_port, answer_options=False)
        await client.expect_bytes(b"\xff\xfd\x18")  # IAC DO TTYPE
        client.send_bytes(b"\xff\xfb\x18")  # IAC WILL TTYPE
        for _ in range(2):  # the same name twice ends the cycle
            await client.expect_bytes(b"\xff\xfa\x18\x01\xff\xf0")  # SB TTYPE SEND
            client.send_bytes(b"\xff\xfa\x18\x00" + terminal.encode() + b"\xff\xf0")
    await client.expect("connect NAME PASSWORD")
    client.send(f"create {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def test_every_kind_of_client_in_a_room_gets_its_rendering_once_and_in_order(
    web_game: WebGame,
) -> None:
    web = await Client.open(web_game)
    await web.expect(type="text", text="connect NAME PASSWORD")
    await web.send(type="line", text=f"create webby {PASSWORD}")
    await web.expect(type="login", account="webby")
    rich = await telnet_player(web_game, "rich", "XTERM-256COLOR")
    basic = await telnet_player(web_game, "basic", "ANSI")
    plain = await telnet_player(web_game, "plain", None)
    try:
        # Each turn the plain client says a line with a 256-colour code to the room, then
        # pages each of the others: sent from one connection, so every listener must see
        # the room's line and its page alternate in exactly this order.
        for number in range(5):
            plain.send(f"say |500hot{number}|n")
            for name in ("webby", "rich", "basic"):
                plain.send(f"page {name} = private{number}")
        plain.send("say |500end|n")
        for number in range(5):
            said = await web.expect(type="text", text=f'plain says, "hot{number}"')
            assert said["text"] == f'plain says, "hot{number}"\n'
            assert [run for run in said["spans"] if run[1]] == [[f"hot{number}", {"fg": 196}]]
            await web.expect(type="text", text=f"plain pages: private{number}")
        await web.expect(type="text", text='plain says, "end"')
        heard = [m["text"] for m in web.messages if "plain says" in str(m.get("text"))]
        assert heard == [f'plain says, "hot{n}"\n' for n in range(5)] + ['plain says, "end"\n']
        for client, red in ((rich, "\x1b[38;5;196m"), (basic, "\x1b[91m")):
            await client.expect('plain says, "' + red + "end")
            text = client.text
            lines = [
                line for line in text.splitlines() if line.startswith(("plain says", "plain pages"))
            ]
            assert lines == [
                *(
                    line
                    for n in range(5)
                    for line in (f'plain says, "{red}hot{n}\x1b[0m"', f"plain pages: private{n}")
                ),
                f'plain says, "{red}end\x1b[0m"',
            ]
        await plain.expect('You say, "end"')
        assert "plain says" not in plain.text and "\x1b" not in plain.text
        # The plain client hears the others' lines without codes.
        rich.send("say |500from rich|n")
        await plain.expect('rich says, "from rich"')
        await basic.expect('rich says, "\x1b[91mfrom rich\x1b[0m"')
        said = await web.expect(type="text", text='rich says, "from rich"')
        assert said["spans"][1] == ["from rich", {"fg": 196}]
        assert plain.text.count('rich says, "from rich"') == 1
    finally:
        for client in (rich, basic, plain):
            await client.close()
        await web.ws.close()
