"""/admin and /metrics on the web port: the portal's side (docs/operating.md "Admin page",
docs/design-notes.md issue 16). The data comes from the game over the link (``admin``
requests, ``admin_reply`` answers); the portal holds the page, the logins and the cookies."""

from ember.portal.admin.gateway import AdminGateway, GameUnavailableError, RefusedError
from ember.portal.admin.web import ADMIN_WS_PATH, AdminWeb

__all__ = ["ADMIN_WS_PATH", "AdminGateway", "AdminWeb", "GameUnavailableError", "RefusedError"]
