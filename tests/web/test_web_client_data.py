"""Colours and client data on the web client's protocol, against a real server (no browser)."""

from __future__ import annotations

from web_harness import PASSWORD, Client, WebGame


async def test_markup_arrives_as_runs_and_client_data_as_oob(web_game: WebGame) -> None:
    client = await Client.open(web_game)
    await client.expect(type="text", text="connect NAME PASSWORD")
    await client.send(type="line", text=f"create oobie {PASSWORD}")
    await client.expect(type="login", account="oobie")
    await client.send(type="line", text="colours")
    coloured = await client.expect(type="text", text="orange")
    assert coloured["text"] == "red bold green orange on blue\n"
    assert coloured["spans"] == [
        ["red", {"fg": 1}],
        [" ", {}],
        ["bold green", {"fg": 2, "bold": True}],
        [" ", {}],
        ["orange", {"fg": 208}],
        [" ", {}],
        ["on blue\n", {"bg": 4}],
    ]
    await client.send(type="line", text="vitals")
    oob = await client.expect(type="oob", package="Char.Vitals")  # after Ember's login data
    assert oob == {"type": "oob", "package": "Char.Vitals", "data": {"hp": 7, "maxhp": 20}}
    await client.expect(type="text", text="Vitals sent.")
    # Text a player types with markup is shown as markup for others; raw escapes never are.
    await client.send(type="line", text="say |rhi|n \x1b[31mthere")
    said = await client.expect(type="text", text="You say")
    assert "\x1b" not in str(said) and "\ufffd" not in said["text"]
    await client.ws.close()
