"""Settings of this game: uncomment a line to override Ember's default (shown as the value).

Ember reads this file once when the server starts; `ember reload` does not re-read the ports.
Names are UPPER_CASE versions of the fields of ``ember.game.settings.Settings``; an unknown
name stops the server with a message naming the closest known one.
"""

# -- Network ---------------------------------------------------------------------------------
# TELNET_PORT = 4000
# WEB_PORT = 4001
# BIND = "127.0.0.1"          # "0.0.0.0" accepts players from other machines

# -- Storage ---------------------------------------------------------------------------------
# DATABASE = "server/ember.db"  # or "postgresql://user:password@host/dbname"

# -- Logs (in server/logs/) ------------------------------------------------------------------
# LOG_LEVEL = "INFO"
# LOG_MAX_BYTES = 10 * 1024 * 1024
# LOG_BACKUPS = 5

# -- Connections -----------------------------------------------------------------------------
# IDLE_TIMEOUT = None          # seconds of silence before a player is disconnected
# MAX_LINE_BYTES = 64 * 1024   # longer input lines are dropped with a notice

# -- Logins ----------------------------------------------------------------------------------
# LOGIN_FAILURES_ALLOWED = 5
# LOGIN_FAILURE_WINDOW = 60.0
# LOGIN_COOLDOWN = 30.0

# -- Background work -------------------------------------------------------------------------
# EXECUTOR_DEFAULT = "thread"   # where run_async sends plain functions: thread, process, cluster
# EXECUTOR_THREADS = 4
# EXECUTOR_PROCESSES = 2         # worker processes, started on first use
# CLUSTER_ADDRESS = ""           # a Dask scheduler, e.g. "tcp://10.0.0.5:8786" (ember[cluster])

# -- Reloads and stops (docs/operating.md) ---------------------------------------------------
# RELOAD_DEADLINE = 20.0         # seconds from `ember reload` until the old game has exited
# STOP_DEADLINE = 20.0           # the same for `ember stop`
# RELOAD_CHECK_TIMEOUT = 15.0    # seconds to import the new code before a reload goes ahead

# -- The world (docs/world.md) ---------------------------------------------------------------
# START_LOCATION = ""             # where new characters start: "#2" or a room's key; "" the Hearth
# CHARACTER_CLASS = ""            # e.g. "world:Hero" for your own Character subclass
# MAX_CHARACTERS_PER_ACCOUNT = 1  # more: players pick one after login (charcreate, ic)
# WORLD_MAX_ATTRIBUTE_BYTES = 1 << 20
# WORLD_MAX_KEY_LENGTH = 80

# -- Channels (docs/channels.md) -------------------------------------------------------------
# DEFAULT_CHANNEL = "public;pub"  # the channel new characters join ("name;alias"); "" none
# CHANNEL_LIMITS = {"max_channels": 50, "max_message_length": 400, "max_history": 50}
# -- Player commands (docs/playing.md) ---------------------------------------------------------
# MAX_CARRIED = 100               # things one character may carry (get, give)
# MAX_SPEECH_LENGTH = 2000        # characters in one say, emote, whisper or page
# PLAYER_MARKUP = True            # colour codes players type (say |rhi) show as colour
# -- Client data (docs/talking-to-clients.md) ------------------------------------------------
# CLIENT_DATA = ["Room.Info", "Char.Vitals", "Char.Status"]  # GMCP sent by Ember; [] for none
