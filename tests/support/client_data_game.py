"""The test game's commands for colours and client data (GMCP), written with the public API."""

COMMANDS = '''
from ember import Command

GMCP_SEEN = []


def at_gmcp(session, package, data):
    """Every GMCP message from a client comes here (after Ember notes Core.Hello)."""
    GMCP_SEEN.append(package)
    if package == "Test.Boom":
        raise RuntimeError("the hook failed on purpose")


class CmdPaint(Command):
    """Colour markup: two closed codes, an xterm colour and one left open."""

    key = "paint"

    def func(self):
        self.session.msg("|rred|n |500deep|n a ||bar |gopen")


class CmdVitals(Command):
    """Client data: Char.Vitals by GMCP (telnet) or an oob message (web)."""

    key = "vitals"

    def func(self):
        self.session.msg("Vitals sent.", oob=("Char.Vitals", {"hp": 7, "maxhp": 20}))


class CmdRoomInfo(Command):
    """Room.Info for the web client's status line."""

    key = "roominfo"

    def func(self):
        info = {"num": 12, "name": "The Square", "exits": {"n": 13, "e": 14}}
        self.session.msg(oob=("Room.Info", info))
        self.session.msg("Room sent.")


class CmdBigOob(Command):
    """Client data over the portal's size limit."""

    key = "bigoob"

    def func(self):
        self.session.msg(oob=("Test.Big", {"blob": "x" * 70000}))
        self.session.msg("Big sent.")


class CmdGmcpInfo(Command):
    """What this session learnt from its client's GMCP, and which packages the hook saw."""

    key = "gmcpinfo"

    def func(self):
        info = self.session.info
        self.session.msg(
            f"client={info.get('gmcp_client')} version={info.get('gmcp_version')}"
            f" supports={sorted(info.get('gmcp_supports') or {})} seen={GMCP_SEEN}"
        )
'''
